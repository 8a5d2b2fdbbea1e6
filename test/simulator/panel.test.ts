// The simulator's panel as a user meets it, in jsdom: what it says when no wx.config arrives,
// after "Open as shared link", and for a card whose link is not http(s).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { installBridge } from '../../src/simulator/installBridge';
import { mountPanel, NO_CONFIG_AFTER, SHARED_LINK_KEY } from '../../src/simulator/mountPanel';
import type { SimulatedBridge } from '../../src/simulator/types';
import { JWEIXIN_VERSIONS, jweixinUrl } from '../../scripts/jweixin.mjs';

let bridge: SimulatedBridge;
let host: HTMLElement;
const shadow = (selector: string) => host.shadowRoot!.querySelector<HTMLElement>(selector);

beforeEach(() => {
  history.replaceState(null, '', '/page');
  sessionStorage.clear();
});
afterEach(() => {
  bridge?.uninstall();
  host?.remove();
  vi.useRealTimers();
});

function mount() {
  bridge = installBridge({ platform: 'ios', verify: () => ({ ok: true }), latency: 0 });
  host = mountPanel(bridge, 'ios');
}
// The bridge is installed on the next tick, as WeixinJSBridgeReady fires.
const bridgeReady = () => vi.waitFor(() => expect(window.WeixinJSBridge).toBeDefined());

describe('the panel', () => {
  it(`says after ${NO_CONFIG_AFTER / 1000} s that no wx.config arrived, and why that may be`, () => {
    vi.useFakeTimers();
    mount();
    expect(shadow('.status')!.textContent).toBe('Waiting for wx.config…');
    vi.advanceTimersByTime(NO_CONFIG_AFTER - 1);
    expect(shadow('.status')!.dataset.state).toBe('none');
    vi.advanceTimersByTime(1);
    const status = shadow('.status')!;
    expect(status.dataset.state).toBe('no-config');
    expect(status.textContent).toContain('No wx.config after 5 s');
    for (const cause of ['setupShare was not called', 'network tab', 'loaded after the SDK']) expect(status.textContent).toContain(cause);
  });

  it('stays quiet when a wx.config arrived in time', async () => {
    vi.useFakeTimers();
    mount();
    await vi.advanceTimersByTimeAsync(1); // WeixinJSBridgeReady
    window.WeixinJSBridge!.invoke('preVerifyJSAPI', { verifyAppId: 'wx1', verifySignature: 's', verifyJsApiList: [], verifyNonceStr: 'n', verifyTimestamp: 1 });
    await vi.advanceTimersByTimeAsync(NO_CONFIG_AFTER + 10);
    expect(shadow('.status')!.dataset.state).toBe('ok');
  });

  it('draws once for a burst of changes (a wx.ready calling seven share APIs), showing the last of them', async () => {
    mount();
    await bridgeReady();
    window.WeixinJSBridge!.invoke('preVerifyJSAPI', { verifyAppId: 'wx1', verifySignature: 's', verifyJsApiList: ['updateAppMessageShareData', 'menu:share:timeline'], verifyNonceStr: 'n', verifyTimestamp: 1 });
    await vi.waitFor(() => expect(shadow('.status')!.dataset.state).toBe('ok'));
    // Each drawing starts by emptying the panel's body: one removal record per drawing.
    let drawings = 0;
    const observer = new MutationObserver((records) => (drawings += records.filter((r) => r.target === shadow('.body') && r.removedNodes.length).length));
    observer.observe(host.shadowRoot!, { childList: true, subtree: true });
    const events = ['timeline', 'appmessage', 'qq', 'weiboApp', 'QZone'];
    for (const event of events) window.WeixinJSBridge!.on(`menu:share:${event}`, () => {});
    window.WeixinJSBridge!.invoke('updateAppMessageShareData', { title: 'Burst', link: 'https://h5.example.com/b', imgUrl: '' });
    expect(bridge.state.menuHandlers).toHaveLength(events.length);
    await vi.waitFor(() => expect(host.shadowRoot!.textContent).toContain('Burst'));
    // One task later: any further drawing of this burst would have happened by now.
    await new Promise((resolve) => setTimeout(resolve, 0));
    observer.disconnect();
    expect(drawings).toBe(1);
  });

  it('refuses to open a card link that is not http(s), and says so', async () => {
    mount();
    const href = location.href;
    await bridgeReady();
    window.WeixinJSBridge!.invoke('preVerifyJSAPI', { verifyAppId: 'wx1', verifySignature: 's', verifyJsApiList: ['updateAppMessageShareData'], verifyNonceStr: 'n', verifyTimestamp: 1 });
    await vi.waitFor(() => expect(bridge.state.configs[0].state).toBe('ok'));
    window.WeixinJSBridge!.invoke('updateAppMessageShareData', { title: 'x', link: 'javascript:alert(1)', imgUrl: '' });
    await vi.waitFor(() => expect(bridge.state.appMessage?.link).toBe('javascript:alert(1)'));
    [...host.shadowRoot!.querySelectorAll('button')].find((b) => b.textContent === 'Open as shared link')!.click();
    expect(shadow('[data-result]')!.textContent).toContain("Not opened: the card's link is not http(s): javascript:alert(1)");
    expect(location.href).toBe(href);
    expect(sessionStorage.getItem(SHARED_LINK_KEY)).toBeNull();
  });

  it('after "Open as shared link" and the page\'s clean-up, says what WeChat appended and what the page did', () => {
    sessionStorage.setItem(SHARED_LINK_KEY, `${location.origin}/page?from=singlemessage&isappinstalled=0`);
    mount();
    const note = shadow('[data-shared-link]')!.textContent!;
    expect(note).toContain('WeChat appended from=singlemessage&isappinstalled=0');
    expect(note).toContain(`The page removed them (now ${location.origin}/page)`);
    expect(sessionStorage.getItem(SHARED_LINK_KEY)).toBeNull();
  });

  it('on the shared URL itself, waits for the page, then says it kept the parameters', async () => {
    const shared = `${location.origin}/page?from=singlemessage&isappinstalled=0`;
    history.replaceState(null, '', shared);
    sessionStorage.setItem(SHARED_LINK_KEY, shared);
    mount();
    expect(shadow('[data-shared-link]')!.textContent).toContain('Waiting for the page');
    await bridgeReady();
    window.WeixinJSBridge!.invoke('preVerifyJSAPI', { verifyAppId: 'wx1', verifySignature: 's', verifyJsApiList: [], verifyNonceStr: 'n', verifyTimestamp: 1 });
    await vi.waitFor(() => expect(shadow('[data-shared-link]')!.textContent).toContain(`The page kept them and signed ${shared}`));
  });

  it('in a Mini Program web-view, shows the card the page posted instead of the JS-SDK cards, and never the no-config warning', async () => {
    vi.useFakeTimers();
    bridge = installBridge({ platform: 'android', miniProgram: true, verify: () => ({ ok: true }), latency: 0 });
    host = mountPanel(bridge, 'miniprogram');
    expect(navigator.userAgent).toMatch(/miniProgram/);
    expect(shadow('.status')!.dataset.state).toBe('none');
    expect(shadow('[data-card="miniprogram"]')!.textContent).toContain('Nothing posted');
    await vi.advanceTimersByTimeAsync(1); // WeixinJSBridgeReady
    expect((window as { __wxjs_environment?: string }).__wxjs_environment).toBe('miniprogram');
    const answers: string[] = [];
    const post = (arg: unknown) => window.WeixinJSBridge!.invoke('invokeMiniProgramAPI', { name: 'postMessage', arg }, (res) => answers.push(res.err_msg));
    post({ type: 'other' });
    post({ type: 'wechat-share', title: 'Posted', desc: 'D', link: 'https://h5.example.com/x', imgUrl: 'https://h5.example.com/i.png' });
    window.WeixinJSBridge!.invoke('invokeMiniProgramAPI', { name: 'navigateTo', arg: { url: '/p' } }, (res) => answers.push(res.err_msg));
    await vi.advanceTimersByTimeAsync(NO_CONFIG_AFTER + 10);
    expect(answers).toEqual(['invokeMiniProgramAPI:ok', 'invokeMiniProgramAPI:ok', 'invokeMiniProgramAPI:fail_not supported by the simulator']);
    expect(shadow('.status')!.dataset.state).toBe('posted');
    expect(shadow('[data-card="miniprogram"] .title')!.textContent).toBe('Posted');
    expect(shadow('[data-card="miniprogram"] .link')!.textContent).toBe('https://h5.example.com/x');
    expect(host.shadowRoot!.textContent).toContain('2 message(s) posted');
    bridge.uninstall();
    expect((window as { __wxjs_environment?: string }).__wxjs_environment).toBeUndefined();
  });

  it('outside a web-view, refuses invokeMiniProgramAPI as WeChat would', async () => {
    mount();
    await bridgeReady();
    const answer = await new Promise<string>((resolve) => window.WeixinJSBridge!.invoke('invokeMiniProgramAPI', { name: 'postMessage', arg: {} }, (res) => resolve(res.err_msg)));
    expect(answer).toBe('invokeMiniProgramAPI:fail_not in a Mini Program');
    expect(bridge.state.miniProgramMessages).toEqual([]);
  });
});

// The SDK loads either version from the same two hosts: the panel names what was asked for.
describe.each(JWEIXIN_VERSIONS)('the panel when jweixin %s never arrives', (version) => {
  const RES = jweixinUrl(version);
  const RES2 = jweixinUrl(version, 'res2');
  const insert = (src: string) => document.head.appendChild(Object.assign(document.createElement('script'), { src }));

  it('says that jweixin did not load, and from where, instead of blaming setupShare', async () => {
    vi.useFakeTimers();
    mount();
    // As the SDK does on a blocked network: the official host, then the backup host.
    insert(RES).dispatchEvent(new Event('error'));
    await vi.advanceTimersByTimeAsync(100);
    insert(RES2).dispatchEvent(new Event('error'));
    await vi.advanceTimersByTimeAsync(NO_CONFIG_AFTER);
    const status = shadow('.status')!;
    expect(status.dataset.state).toBe('no-config');
    expect(status.querySelector('b')!.textContent).toBe('jweixin did not load');
    expect(status.textContent).toContain(`Failed: ${RES}, ${RES2}.`);
    expect(status.textContent).toContain('SDK_LOAD_FAILED');
    expect(status.textContent).not.toContain('setupShare was not called');
    expect(bridge.state.jweixinScripts).toEqual([{ src: RES, state: 'failed' }, { src: RES2, state: 'failed' }]);
    document.head.replaceChildren();
  });

  it('says that jweixin is still loading when its request hangs', async () => {
    vi.useFakeTimers();
    mount();
    insert(RES);
    await vi.advanceTimersByTimeAsync(NO_CONFIG_AFTER);
    expect(shadow('.status')!.textContent).toContain(`jweixin is still loading`);
    expect(shadow('.status')!.textContent).toContain(`From ${RES}.`);
    document.head.replaceChildren();
  });

  it('says when a jweixin URL answered with something that is not jweixin', async () => {
    vi.useFakeTimers();
    mount();
    insert(RES).dispatchEvent(new Event('load'));
    await vi.advanceTimersByTimeAsync(NO_CONFIG_AFTER);
    expect(shadow('.status b')!.textContent).toBe('jweixin loaded but defined no wx');
    expect(shadow('.status')!.textContent).toContain(`${RES} answered, but window.jWeixin is not there`);
    document.head.replaceChildren();
  });
});

// After the cases above: the page helpers, once imported, serve every jweixin script they see.
describe.each(JWEIXIN_VERSIONS)('the panel when setupShare could not load jweixin %s', (version) => {
  const RES = jweixinUrl(version);
  const RES2 = jweixinUrl(version, 'res2');

  it('says so for a page whose setupShare rejected SDK_LOAD_FAILED (the SDK and its fallback host, both blocked)', async () => {
    vi.useFakeTimers();
    const { openPage, ENDPOINT, server, signingEndpoint } = await import('../helpers/wechat');
    server.use(signingEndpoint());
    const page = await openPage({ platform: 'android', routes: { [RES]: { outcome: 'error' }, [RES2]: { outcome: 'error' } } });
    bridge = page.bridge;
    host = mountPanel(bridge, 'android');
    const outcome = page.sdk.setupShare({ title: 'T' }, { endpoint: ENDPOINT, jweixinVersion: version }).catch((error: { code?: string }) => error.code);
    await vi.advanceTimersByTimeAsync(NO_CONFIG_AFTER + 100);
    expect(await outcome).toBe('SDK_LOAD_FAILED');
    expect(shadow('.status')!.querySelector('b')!.textContent).toBe('jweixin did not load');
    expect(shadow('.status')!.textContent).toContain(`Failed: ${RES}, ${RES2}.`);
  });
});
