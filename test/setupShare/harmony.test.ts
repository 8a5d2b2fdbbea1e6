// WeChat on HarmonyOS NEXT (issue 23.4), played by the simulator with the user agent Huawei's guide
// shows (`OpenHarmony 5.0`, `MicroMessenger/1.0.3.52`): the SDK sets the card there, asks for
// open tags from HarmonyOS WeChat 1.0.3 (official; its versions are its own, so WeChat's 7.0.12 does
// not apply), and the simulator plays what users report of an <iframe> in the page.
import { describe, expect, it, vi } from 'vitest';
import { options, quietPage, rejection } from './common';
import { openPage, openTagConfigs, server, signingEndpoint } from '../helpers/wechat';
import { mountPanel } from '../../src/simulator/mountPanel';

quietPage();

const WEAPP = 'wx-open-launch-weapp';
const tags = { ...options, openTagList: [WEAPP] };

describe('HarmonyOS NEXT WeChat', () => {
  it('sets the card and gets open tags on HarmonyOS WeChat 1.0.3.52', async () => {
    server.use(signingEndpoint());
    const { sdk, bridge } = await openPage({ platform: 'harmony' });
    expect(navigator.userAgent).toMatch(/\(Phone; OpenHarmony 5\.0\).* ArkWeb\/4\.1\.6\.1 Mobile MicroMessenger\/1\.0\.3\.52\(0xf3100334\)/);
    const onOpenTagsError = vi.fn();
    await expect(sdk.setupShare({ title: 'On HarmonyOS' }, { ...tags, onOpenTagsError })).resolves.toMatchObject({ status: 'ready', openTagList: [WEAPP] });
    expect([openTagConfigs, bridge.state.appMessage?.title, bridge.state.timeline?.title]).toEqual([[[WEAPP]], 'On HarmonyOS', 'On HarmonyOS']);
    expect(onOpenTagsError).not.toHaveBeenCalled();
  });

  it('sets the card without open tags below HarmonyOS WeChat 1.0.3, and tells onOpenTagsError why', async () => {
    server.use(signingEndpoint());
    const { sdk, bridge } = await openPage({ platform: 'harmony', bridge: { version: '1.0.2.10' } });
    const onOpenTagsError = vi.fn();
    await expect(sdk.setupShare({ title: 'Card' }, { ...tags, onOpenTagsError })).resolves.toMatchObject({ status: 'ready', openTagList: [] });
    expect([openTagConfigs, bridge.state.appMessage?.title]).toEqual([[[]], 'Card']);
    expect(onOpenTagsError.mock.calls).toEqual([['Open tags need HarmonyOS WeChat 1.0.3+, not 1.0.2.10.']]);
  });

  it('asks for open tags on a later HarmonyOS WeChat that reports 8.0.x', async () => {
    server.use(signingEndpoint());
    const { sdk } = await openPage({ platform: 'harmony', bridge: { version: '8.0.9.39' } });
    await expect(sdk.setupShare({}, tags)).resolves.toMatchObject({ status: 'ready', openTagList: [WEAPP] });
  });

  it('plays the reported iframe breakage: once an <iframe> is in the page, the next card fails, and the panel says why', async () => {
    server.use(signingEndpoint());
    const { sdk, bridge } = await openPage({ platform: 'harmony' });
    const panel = mountPanel(bridge, 'harmony');
    document.body.append(panel);
    await expect(sdk.setupShare({ title: 'Before' }, options)).resolves.toMatchObject({ status: 'ready' });
    document.body.append(document.createElement('iframe'));
    await vi.waitFor(() => expect(bridge.state.iframeAdded).toBe(true));
    const error = await rejection(sdk, sdk.setupShare({ title: 'After' }, options));
    expect(error).toMatchObject({ code: 'SHARE_API_FAILED', errMsg: expect.stringMatching(/:invalid signature$/) });
    expect(bridge.state.appMessage?.title).toBe('Before');
    expect(panel.shadowRoot!.textContent).toContain('An <iframe> is in the page: HarmonyOS WeChat now answers JS-SDK calls with "invalid signature"');
    expect(panel.shadowRoot!.textContent).toContain('HarmonyOS checks the current URL');
    panel.remove();
  });
});
