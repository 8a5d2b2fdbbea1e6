// Open tags (issue 15): jweixin 1.6.0 loaded for them, requested in the same wx.config as the
// share APIs, configured again on every call in an SPA, and WeixinOpenTagsError reported.
import { describe, expect, it, vi } from 'vitest';
import { options, quietPage, rejection } from './common';
import { ENDPOINT, JWEIXIN_SOURCES, ORIGIN, openPage, openTagConfigs, scriptRequests, server, signed, signingEndpoint } from '../helpers/wechat';
import { jweixinUrl } from '../../scripts/jweixin.mjs';
import { OLD_JWEIXIN } from '../../src/lib/openTagsMissing';

quietPage();

const WEAPP = 'wx-open-launch-weapp';
const tags = { ...options, openTagList: [WEAPP] };

describe('jweixinVersion', () => {
  it('loads 1.4.0 by default and 1.6.0 when open tags are asked for, each with the res2 fallback', async () => {
    server.use(signingEndpoint());
    const { sdk } = await openPage();
    await expect(sdk.setupShare({}, options)).resolves.toMatchObject({ status: 'ready', openTagList: [] });
    expect(scriptRequests).toEqual([jweixinUrl('1.4.0')]);
    expect(openTagConfigs).toEqual([undefined]);

    const { sdk: withTags } = await openPage({ routes: { [jweixinUrl('1.6.0')]: { outcome: 'error' }, [jweixinUrl('1.6.0', 'res2')]: {} } });
    await expect(withTags.setupShare({}, tags)).resolves.toMatchObject({ status: 'ready', openTagList: [WEAPP] });
    expect(scriptRequests).toEqual([jweixinUrl('1.6.0'), jweixinUrl('1.6.0', 'res2')]);
    // jweixin 1.6.0 sent them as verifyOpenTagList, in the one config that also has the share APIs.
    expect(openTagConfigs).toEqual([[WEAPP]]);
  });

  it('loads 1.6.0 when asked, with or without open tags (data-jweixin does the same)', async () => {
    server.use(signingEndpoint());
    const { sdk } = await openPage();
    await expect(sdk.setupShare({}, { ...options, jweixinVersion: '1.6.0' })).resolves.toMatchObject({ status: 'ready' });
    expect(scriptRequests).toEqual([jweixinUrl('1.6.0')]);
  });

  it('gives wx.config the open tags asked for, deduplicated, and none once a call asks for none', async () => {
    server.use(signingEndpoint());
    const { sdk } = await openPage();
    await sdk.setupShare({}, { ...options, openTagList: [WEAPP, WEAPP] });
    history.pushState(null, '', '/next');
    await sdk.setupShare({}, options);
    expect(openTagConfigs).toEqual([[WEAPP], []]);
  });

  it('reports the open tags it asked for, although jweixin renames in place a name it knows as a JS API', async () => {
    server.use(signingEndpoint());
    const { sdk } = await openPage();
    await expect(sdk.setupShare({}, { ...options, openTagList: [WEAPP, 'previewImage'] })).resolves.toMatchObject({ status: 'ready', openTagList: [WEAPP, 'previewImage'] });
    // What jweixin 1.6.0 sent: its own name for that API.
    expect(openTagConfigs).toEqual([[WEAPP, 'imagePreview']]);
  });

  it('rejects INVALID_OPTIONS naming both for jweixinVersion 1.4.0 with open tags, before loading or requesting anything', async () => {
    server.use(signingEndpoint());
    const { sdk } = await openPage();
    const error = await rejection(sdk, sdk.setupShare({}, { ...tags, jweixinVersion: '1.4.0' }));
    expect(error).toMatchObject({ code: 'INVALID_OPTIONS', message: 'openTagList needs jweixinVersion 1.6.0.' });
    expect([scriptRequests, signed]).toEqual([[], []]);
  });

  it('takes any jweixinVersion from 1.6 for open tags and loads the file it names: a wrong one fails to load', async () => {
    server.use(signingEndpoint());
    const { sdk } = await openPage();
    // Out of its type, as data-jweixin can give it: documented as loaded unchecked.
    const error = await rejection(sdk, sdk.setupShare({}, { ...tags, jweixinVersion: '1.6' as '1.6.0' }));
    const urls = ['res', 'res2'].map((host) => `https://${host}.wx.qq.com/open/js/jweixin-1.6.js`);
    expect(error).toMatchObject({ code: 'SDK_LOAD_FAILED', message: `Could not load jweixin: ${urls[0]}: error; ${urls[1]}: error` });
    expect(scriptRequests).toEqual(urls);
  });

  it('still sets the card when a jweixin 1.4.0 is already running, without the tags, and says why', async () => {
    server.use(signingEndpoint());
    const { sdk, bridge } = await openPage();
    new Function(JWEIXIN_SOURCES['1.4.0']).call(window);
    const onOpenTagsError = vi.fn();
    const ready = { status: 'ready', openTagList: [] };
    await expect(sdk.setupShare({ title: 'Card' }, { ...tags, onOpenTagsError })).resolves.toMatchObject(ready);
    expect([scriptRequests, openTagConfigs, bridge.state.appMessage?.title]).toEqual([[], [undefined], 'Card']);
    expect(onOpenTagsError.mock.calls).toEqual([[OLD_JWEIXIN]]);

    // Loaded by an earlier call: a route asking for tags still replaces the card of the route before.
    const { sdk: later, bridge: client } = await openPage();
    await later.setupShare({ title: 'Home' }, options);
    history.pushState(null, '', '/weapp');
    await expect(later.setupShare({ title: 'Weapp' }, tags)).resolves.toMatchObject(ready);
    expect([scriptRequests, client.state.appMessage?.title]).toEqual([[jweixinUrl('1.4.0')], 'Weapp']);
  });

  it('sets the card without tags on a WeChat older than 7.0.12, and tells onOpenTagsError which version it needs', async () => {
    server.use(signingEndpoint());
    const { sdk, bridge } = await openPage({ bridge: { version: '7.0.11' } });
    const onOpenTagsError = vi.fn();
    await expect(sdk.setupShare({ title: 'Card' }, { ...tags, onOpenTagsError })).resolves.toMatchObject({ status: 'ready', openTagList: [] });
    expect([openTagConfigs, bridge.state.appMessage?.title]).toEqual([[[]], 'Card']);
    expect(onOpenTagsError.mock.calls).toEqual([['Open tags need WeChat 7.0.12+, not 7.0.11.2700.']]);
  });

  it.each(['7.0.12', '8.0.1'])('asks for the tags on WeChat %s: versions compare part by part as numbers', async (version) => {
    server.use(signingEndpoint());
    const { sdk } = await openPage({ bridge: { version } });
    const onOpenTagsError = vi.fn();
    await expect(sdk.setupShare({}, { ...tags, onOpenTagsError })).resolves.toMatchObject({ status: 'ready', openTagList: [WEAPP] });
    expect([openTagConfigs, onOpenTagsError.mock.calls]).toEqual([[[WEAPP]], []]);
  });

  it('without onOpenTagsError, a WeixinOpenTagsError event raises nothing in the page', async () => {
    server.use(signingEndpoint());
    const { sdk } = await openPage();
    await expect(sdk.setupShare({}, tags)).resolves.toMatchObject({ status: 'ready' });
    const errors: unknown[] = [];
    const record = (event: ErrorEvent) => errors.push(event.error);
    window.addEventListener('error', record);
    document.dispatchEvent(new CustomEvent('WeixinOpenTagsError', { detail: { errMsg: 'system:access_denied' } }));
    window.removeEventListener('error', record);
    expect(errors).toEqual([]);
  });

  it('keeps the card when onOpenTagsError throws', async () => {
    server.use(signingEndpoint());
    const { sdk } = await openPage({ bridge: { version: '7.0.11' } });
    const onOpenTagsError = () => {
      throw new Error('the host page is broken');
    };
    await expect(sdk.setupShare({}, { ...tags, onOpenTagsError })).resolves.toMatchObject({ status: 'ready', openTagList: [] });
  });

  it('reuses a jweixin 1.6.0 that the page loaded itself', async () => {
    server.use(signingEndpoint());
    const { sdk } = await openPage();
    new Function(JWEIXIN_SOURCES['1.6.0']).call(window);
    await expect(sdk.setupShare({}, tags)).resolves.toMatchObject({ status: 'ready' });
    expect([scriptRequests, openTagConfigs]).toEqual([[], [[WEAPP]]]);
  });

  it('does not second-guess a custom sdkUrl', async () => {
    server.use(signingEndpoint());
    const custom = `${ORIGIN}/vendor/jweixin.js`;
    const { sdk } = await openPage({ routes: { [custom]: { version: '1.4.0' } } });
    // A 1.4.0 at a custom URL: the page's choice. It drops the tags; the share APIs still work.
    await expect(sdk.setupShare({}, { ...tags, sdkUrl: custom })).resolves.toMatchObject({ status: 'ready', openTagList: [WEAPP] });
    expect([scriptRequests, openTagConfigs]).toEqual([[custom], [undefined]]);
  });
});

describe('open tags in a single-page app', () => {
  it.each(['ios', 'android'] as const)('on %s, configures again on every call, with the signature it holds for the URL', async (platform) => {
    server.use(signingEndpoint());
    const { sdk, bridge } = await openPage({ platform });
    await sdk.setupShare({ title: 'Home' }, tags);
    history.pushState(null, '', '/weapp');
    await expect(sdk.setupShare({ title: 'Weapp' }, tags)).resolves.toMatchObject({ status: 'ready', openTagList: [WEAPP] });
    await expect(sdk.setupShare({ title: 'Weapp again' }, tags)).resolves.toMatchObject({ status: 'ready' });
    expect(bridge.state.configs.map((c) => c.state)).toEqual(['ok', 'ok', 'ok']);
    expect(openTagConfigs).toEqual([[WEAPP], [WEAPP], [WEAPP]]);
    // iOS checks the entry URL: one signature for the session. Android signs the new route once.
    expect(signed).toEqual(platform === 'ios' ? [`${ORIGIN}/`] : [`${ORIGIN}/`, `${ORIGIN}/weapp`]);
    expect(bridge.state.appMessage?.title).toBe('Weapp again');
  });

  it('without open tags, configures once per signing URL as before', async () => {
    server.use(signingEndpoint());
    const { sdk, bridge } = await openPage({ platform: 'ios' });
    await sdk.setupShare({}, options);
    history.pushState(null, '', '/next');
    await sdk.setupShare({}, options);
    expect(bridge.state.configs).toHaveLength(1);
  });

  it('with open tags in the early start\'s defaults, makes one config for the early start and the card handed over', async () => {
    server.use(signingEndpoint({ wait: 30 }));
    const { sdk, bridge } = await openPage();
    sdk.preloadShare({ endpoint: ENDPOINT, openTagList: [WEAPP] });
    await expect(sdk.setupShare({ title: 'Handed over' })).resolves.toMatchObject({ status: 'ready', openTagList: [WEAPP] });
    expect([bridge.state.configs.length, openTagConfigs, scriptRequests]).toEqual([1, [[WEAPP]], [jweixinUrl('1.6.0')]]);
  });
});

describe('onOpenTagsError', () => {
  it('is called with errMsg once per WeixinOpenTagsError event, however many calls listed tags', async () => {
    server.use(signingEndpoint());
    const { sdk } = await openPage({ openTagsError: 'launch:fail_check fail' });
    const onOpenTagsError = vi.fn();
    await sdk.setupShare({}, { ...tags, onOpenTagsError });
    expect(onOpenTagsError.mock.calls).toEqual([['launch:fail_check fail']]);
    // A second call configures again (the client fires again) and names a handler again: one
    // listener, one call per event.
    await sdk.setupShare({}, { ...tags, onOpenTagsError });
    expect(onOpenTagsError).toHaveBeenCalledTimes(2);
    document.dispatchEvent(new CustomEvent('WeixinOpenTagsError', { detail: { errMsg: 'another' } }));
    expect(onOpenTagsError.mock.calls.map(([errMsg]) => errMsg)).toEqual(['launch:fail_check fail', 'launch:fail_check fail', 'another']);
  });

  it('takes the handler from configure, and the one given last wins', async () => {
    server.use(signingEndpoint());
    const { sdk } = await openPage({ openTagsError: 'fail' });
    const first = vi.fn();
    const last = vi.fn();
    sdk.configure({ onOpenTagsError: first });
    await sdk.setupShare({}, tags);
    await sdk.setupShare({}, { ...tags, onOpenTagsError: last });
    expect([first.mock.calls, last.mock.calls]).toEqual([[['fail']], [['fail']]]);
  });

  it('leaves the share card alone: the call resolves ready', async () => {
    server.use(signingEndpoint());
    const { sdk, bridge } = await openPage({ openTagsError: 'fail' });
    await expect(sdk.setupShare({ title: 'Still shared' }, { ...tags, onOpenTagsError: () => undefined })).resolves.toMatchObject({ status: 'ready' });
    expect(bridge.state.appMessage?.title).toBe('Still shared');
  });
});
