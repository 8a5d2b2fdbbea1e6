// The simulator's open tags, judged by what the real jweixin files send: jweixin 1.6.0 (npm
// weixin-js-sdk@1.6.0 as jweixin-1.6.0) passes openTagList as verifyOpenTagList; jweixin 1.4.0
// (weixin-js-sdk@1.4.0-test) sends none. Signatures are real and checked by the server's
// verifyConfig, as the demo's verify endpoint does.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { jsapiSignature } from '../../src/server/jsapiSignature';
import { verifyConfig } from '../../src/dev/verifyConfig';
import { installBridge } from '../../src/simulator/installBridge';
import { mountPanel } from '../../src/simulator/mountPanel';
import type { BridgeOptions, OpenTagRecord, SimulatedBridge } from '../../src/simulator/types';

const require = createRequire(import.meta.url);
const JWEIXIN_16 = readFileSync(require.resolve('jweixin-1.6.0/index.original.js'), 'utf8');
const JWEIXIN_14 = readFileSync(require.resolve('weixin-js-sdk/index.original.js'), 'utf8');
const APP_ID = 'wx1234567890abcdef';
const TICKET = 'sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg';

/** The part of jweixin these tests use. */
interface Wx {
  config(options: Record<string, unknown>): void;
  updateAppMessageShareData(options: Record<string, unknown>): void;
}

let bridge: SimulatedBridge | undefined;
let host: HTMLElement | undefined;
let nonce = 0;

afterEach(() => {
  bridge?.uninstall();
  host?.remove();
  bridge = host = undefined;
  const w = window as unknown as Record<string, unknown>;
  delete w.wx;
  delete w.jWeixin;
  document.body.innerHTML = '';
});

/** A page entered at `path` with `body`, a simulated client, and the real jweixin running in it. */
async function openPage(options: { path?: string; body?: string; jweixin?: string; bridge?: Partial<BridgeOptions> } = {}) {
  history.replaceState(null, '', options.path ?? '/');
  document.body.innerHTML = options.body ?? '';
  bridge = installBridge({
    platform: 'android',
    latency: 0,
    verify: (request) => verifyConfig(request, { appId: APP_ID, jsapi_ticket: TICKET, jsSafeDomains: ['h5.example.com'] }),
    ...options.bridge,
  });
  host = mountPanel(bridge, bridge.state.platform);
  // jweixin waits for WeixinJSBridgeReady when the bridge is not there yet; the bridge is
  // installed on the next tick, so jweixin runs after it and leaves no listener behind.
  await vi.waitFor(() => expect(window.WeixinJSBridge).toBeDefined());
  new Function(options.jweixin ?? JWEIXIN_16).call(window);
  return (window as unknown as { wx: Wx }).wx;
}

/** `wx.config` signed for the URL this client checks; resolves when the client has verified it. */
async function config(wx: Wx, openTagList?: string[], signature?: string) {
  const url = bridge!.state.platform === 'ios' ? bridge!.state.entryUrl : location.href.split('#')[0];
  const nonceStr = `n${++nonce}`;
  const timestamp = 1700000000 + nonce;
  const count = bridge!.state.configs.length;
  wx.config({
    appId: APP_ID, timestamp, nonceStr,
    signature: signature ?? jsapiSignature({ jsapi_ticket: TICKET, noncestr: nonceStr, timestamp, url }),
    jsApiList: ['updateAppMessageShareData'],
    ...(openTagList ? { openTagList } : {}),
  });
  await vi.waitFor(() => expect(bridge!.state.configs[count]?.state).toMatch(/ok|failed/));
  return bridge!.state.configs[count];
}

/** Every event of `types` that `target` receives, as `type detail` lines. */
function record(target: EventTarget, ...types: string[]) {
  const seen: string[] = [];
  for (const type of types) target.addEventListener(type, (event) => seen.push(`${type} ${JSON.stringify((event as CustomEvent).detail ?? null)}`));
  return seen;
}

const tag = (selector: string) => document.querySelector<HTMLElement>(selector)!;
const stateOf = (selector: string) => bridge!.state.openTags!.find((candidate) => candidate.element === tag(selector)) as OpenTagRecord;
const panel = (selector: string) => host!.shadowRoot!.querySelector<HTMLElement>(selector);
// Past the events the simulator has scheduled: it fires them by setTimeout(fire, 0) (Node's timer in
// this jsdom environment), and Node runs timers of the same delay in the order they were set, so a
// 0 ms timer set after the change runs after any event the change caused. Not a fixed sleep.
const settled = () => new Promise((resolve) => setTimeout(resolve, 0));

const WEAPP = `<wx-open-launch-weapp id="weapp" username="gh_abc123" path="pages/index.html?from=h5">
  <template><style>.btn { padding: 12px }</style><button class="btn">Open the Mini Program</button></template>
</wx-open-launch-weapp>`;
const APP = `<wx-open-launch-app id="app" appid="wxapp0001" extinfo="page=detail&id=7">
  <script type="text/wxtag-template"><button class="btn">Open the app</button></script>
</wx-open-launch-app>`;

describe('open tags with jweixin 1.6.0', () => {
  it('fires ready on a tag the config lists and shows its template in a Shadow DOM; error with errMsg on one it does not', async () => {
    const wx = await openPage({ body: WEAPP + APP });
    const weapp = record(tag('#weapp'), 'ready', 'error');
    const app = record(tag('#app'), 'ready', 'error');
    // Blank until a config covers them.
    expect(tag('#weapp').shadowRoot!.childNodes).toHaveLength(0);
    expect(stateOf('#weapp').state).toBe('waiting');

    const verified = await config(wx, ['wx-open-launch-weapp']);
    expect(verified.state).toBe('ok');
    expect(verified.openTagList).toEqual(['wx-open-launch-weapp']);
    await vi.waitFor(() => expect(weapp).toEqual(['ready null']));
    expect(tag('#weapp').shadowRoot!.querySelector('button')!.textContent).toBe('Open the Mini Program');
    expect(tag('#weapp').shadowRoot!.querySelector('style')).not.toBeNull();
    await vi.waitFor(() => expect(app).toHaveLength(1));
    expect(app[0]).toMatch(/^error .*wx-open-launch-app is not in the openTagList of the wx.config in force \(\[wx-open-launch-weapp\]\)/);
    expect(tag('#app').shadowRoot!.childNodes).toHaveLength(0);

    const card = panel('[data-card="open-tags"]')!;
    expect(card.textContent).toContain('openTagList: [wx-open-launch-weapp]');
    expect(panel('[data-open-tag="wx-open-launch-weapp"]')!.dataset.state).toBe('ready');
    expect(panel('[data-open-tag="wx-open-launch-weapp"]')!.textContent).toContain('wx-open-launch-weapp#weapp ✓ ready');
    expect(panel('[data-open-tag="wx-open-launch-app"]')!.dataset.state).toBe('error');
    expect(panel('[data-open-tag="wx-open-launch-app"]')!.textContent).toContain('is not in the openTagList');
  });

  it('renders <script type="text/wxtag-template"> content (plain HTML) once covered', async () => {
    const wx = await openPage({ body: APP });
    await config(wx, ['wx-open-launch-app']);
    await vi.waitFor(() => expect(tag('#app').shadowRoot!.querySelector('button')?.textContent).toBe('Open the app'));
    // The template is shown in the tag's own DOM, never run or shown in the page.
    expect(document.querySelectorAll('button')).toHaveLength(0);
  });

  it("shows a template whose nodes a framework appended as the template's children (not its content)", async () => {
    const wx = await openPage();
    // As Vue builds it: createElement('template'), then insertBefore each child into it.
    const weapp = document.createElement('wx-open-launch-weapp');
    const template = document.createElement('template');
    template.appendChild(Object.assign(document.createElement('button'), { textContent: 'Built node by node' }));
    weapp.appendChild(template);
    document.body.append(weapp);
    await config(wx, ['wx-open-launch-weapp']);
    await vi.waitFor(() => expect(weapp.shadowRoot!.querySelector('button')?.textContent).toBe('Built node by node'));
  });

  it('on click, fires launch with the official detail and says in the panel what WeChat would open', async () => {
    const wx = await openPage({ body: WEAPP + APP });
    const weapp = record(tag('#weapp'), 'launch');
    const app = record(tag('#app'), 'launch');
    await config(wx, ['wx-open-launch-weapp', 'wx-open-launch-app']);
    await vi.waitFor(() => expect(stateOf('#app').state).toBe('ready'));
    tag('#weapp').shadowRoot!.querySelector('button')!.click();
    await vi.waitFor(() => expect(weapp).toEqual(['launch {"userName":"gh_abc123","path":"pages/index.html?from=h5"}']));
    expect(panel('[data-launch]')!.textContent).toBe('wx-open-launch-weapp: would open Mini Program `gh_abc123` at `pages/index.html?from=h5`');
    tag('#app').click();
    await vi.waitFor(() => expect(app).toEqual(['launch {"appId":"wxapp0001","extInfo":"page=detail&id=7"}']));
    expect(panel('[data-launch]')!.textContent).toBe('wx-open-launch-app: would open app `wxapp0001` with `page=detail&id=7`');
  });

  it('does nothing on a click on a tag that is not ready', async () => {
    const wx = await openPage({ body: WEAPP });
    const events = record(tag('#weapp'), 'launch', 'error');
    tag('#weapp').click();
    await config(wx, []);
    await vi.waitFor(() => expect(events).toHaveLength(1));
    tag('#weapp').click();
    await settled();
    expect(events).toEqual([expect.stringMatching(/^error /)]);
    expect(bridge!.state.openTagLaunches).toEqual([]);
  });

  it('in an SPA, a tag rendered by a new route stays blank until a wx.config made on that route covers it', async () => {
    const wx = await openPage({ path: '/home' });
    await config(wx, ['wx-open-launch-weapp']);
    history.pushState(null, '', '/shop');
    document.body.innerHTML = WEAPP;
    const events = record(tag('#weapp'), 'ready', 'error');
    expect(stateOf('#weapp').state).toBe('waiting');
    expect(stateOf('#weapp').reason).toContain("The page's URL changed since the wx.config in force (made on https://h5.example.com/home)");
    await settled();
    expect(events).toEqual([]);
    expect(panel('[data-open-tag="wx-open-launch-weapp"]')!.dataset.state).toBe('waiting');

    await config(wx, ['wx-open-launch-weapp']);
    await vi.waitFor(() => expect(events).toEqual(['ready null']));
    expect(tag('#weapp').shadowRoot!.querySelector('button')).not.toBeNull();
  });

  it('on iOS too: the route is re-configured with the entry URL\'s signature, and its tag becomes ready', async () => {
    const wx = await openPage({ path: '/home', bridge: { platform: 'ios' } });
    await config(wx, ['wx-open-launch-weapp']);
    history.pushState(null, '', '/shop');
    document.body.innerHTML = WEAPP;
    const events = record(tag('#weapp'), 'ready', 'error');
    const second = await config(wx, ['wx-open-launch-weapp']);
    expect(second.url).toBe('https://h5.example.com/home');
    expect(second.pageUrl).toBe('https://h5.example.com/shop');
    await vi.waitFor(() => expect(events).toEqual(['ready null']));
  });

  it('a tag added later on the same URL is ready at once; a click after the route changed the URL fails it', async () => {
    const wx = await openPage({ path: '/home' });
    await config(wx, ['wx-open-launch-weapp']);
    const holder = document.createElement('div');
    holder.innerHTML = WEAPP;
    const events = record(holder.firstElementChild!, 'ready', 'error', 'launch');
    document.body.append(holder);
    await vi.waitFor(() => expect(events).toEqual(['ready null']));
    history.pushState(null, '', '/other');
    tag('#weapp').click();
    await vi.waitFor(() => expect(events).toHaveLength(2));
    expect(events[1]).toMatch(/^error .*The page's URL changed since the wx.config in force/);
    expect(bridge!.state.openTagLaunches).toEqual([]);
  });

  it('re-judges every tag on each new config', async () => {
    const wx = await openPage({ body: WEAPP });
    const events = record(tag('#weapp'), 'ready', 'error');
    await config(wx, []);
    await vi.waitFor(() => expect(events).toHaveLength(1));
    await config(wx, ['wx-open-launch-weapp']);
    await vi.waitFor(() => expect(events).toHaveLength(2));
    // Still covered: no second ready.
    await config(wx, ['wx-open-launch-weapp']);
    await settled();
    expect(events.map((line) => line.split(' ')[0])).toEqual(['error', 'ready']);
  });

  it('a failed config leaves the waiting tags in error, naming the failure', async () => {
    const wx = await openPage({ body: WEAPP });
    const events = record(tag('#weapp'), 'ready', 'error');
    const failed = await config(wx, ['wx-open-launch-weapp'], 'bad-signature');
    expect(failed.state).toBe('failed');
    await vi.waitFor(() => expect(events).toHaveLength(1));
    expect(events[0]).toContain('The wx.config failed (config:invalid signature)');
    // A tag rendered after it waits, blank and silent, and says why.
    const holder = document.createElement('div');
    holder.innerHTML = APP;
    document.body.append(holder);
    expect(stateOf('#app')).toMatchObject({ state: 'waiting', reason: 'The wx.config failed (config:invalid signature): open tags need a passing config.' });
  });

  it('an unknown name in openTagList: the config passes (sharing works), the name is ignored, the panel names it', async () => {
    const wx = await openPage({ body: WEAPP });
    const verified = await config(wx, ['wx-open-launch-weapp', 'wx-open-lanch-app']);
    expect(verified.state).toBe('ok');
    expect(verified.unknownOpenTags).toEqual(['wx-open-lanch-app']);
    await vi.waitFor(() => expect(stateOf('#weapp').state).toBe('ready'));
    const answer = await new Promise<string>((resolve) =>
      wx.updateAppMessageShareData({ title: 'T', desc: 'D', link: location.href, imgUrl: 'https://h5.example.com/i.png', complete: (res: { errMsg: string }) => resolve(res.errMsg) }));
    expect(answer).toBe('updateAppMessageShareData:ok');
    expect(panel('[data-unknown-open-tags]')!.textContent).toContain('Not open tags, ignored: wx-open-lanch-app.');
  });
});

describe('WeixinOpenTagsError', () => {
  it('fires on document after a passing config on iOS with WeChat below 8.0.8 (official known case); the tags stay blank, sharing works', async () => {
    const wx = await openPage({ body: WEAPP, bridge: { platform: 'ios', version: '8.0.7' } });
    const errors = record(document, 'WeixinOpenTagsError');
    const events = record(tag('#weapp'), 'ready', 'error');
    const verified = await config(wx, ['wx-open-launch-weapp']);
    expect(verified.state).toBe('ok');
    await vi.waitFor(() => expect(errors).toEqual(['WeixinOpenTagsError {"errMsg":"WeChat 8.0.7 on iOS 15 or later cannot use open tags (fixed in 8.0.8)"}']));
    await settled();
    expect(events).toEqual([]);
    expect(stateOf('#weapp').state).toBe('unusable');
    expect(tag('#weapp').shadowRoot!.childNodes).toHaveLength(0);
    expect(panel('[data-open-tags-error]')!.textContent).toContain('WeixinOpenTagsError fired on document');
    const answer = await new Promise<string>((resolve) =>
      wx.updateAppMessageShareData({ title: 'T', link: location.href, imgUrl: '', complete: (res: { errMsg: string }) => resolve(res.errMsg) }));
    expect(answer).toBe('updateAppMessageShareData:ok');
  });

  it('fires with the errMsg of openTagsError on any platform, and not for a config without open tags', async () => {
    const wx = await openPage({ body: WEAPP, bridge: { platform: 'android', openTagsError: 'no Web Components' } });
    const errors = record(document, 'WeixinOpenTagsError');
    await config(wx, []);
    await settled();
    expect(errors).toEqual([]);
    await config(wx, ['wx-open-launch-weapp']);
    await vi.waitFor(() => expect(errors).toEqual(['WeixinOpenTagsError {"errMsg":"no Web Components"}']));
    expect(bridge!.state.openTagsErrors).toEqual(['no Web Components']);
  });

  it('does not fire on 8.0.8, nor below 7.0.12, where the client has no open tags at all', async () => {
    for (const version of ['8.0.8', '7.0.10']) {
      const wx = await openPage({ body: WEAPP, bridge: { platform: 'ios', version } });
      const errors = record(document, 'WeixinOpenTagsError');
      const events = record(tag('#weapp'), 'ready', 'error');
      await config(wx, ['wx-open-launch-weapp']);
      await settled();
      expect(errors).toEqual([]);
      if (version === '8.0.8') expect(events).toEqual(['ready null']);
      else {
        expect(events).toEqual([]);
        expect(stateOf('#weapp').state).toBe('unusable');
        expect(stateOf('#weapp').reason).toContain('WeChat 7.0.10 is below 7.0.12');
      }
      bridge!.uninstall();
      host!.remove();
      delete (window as unknown as Record<string, unknown>).wx;
      delete (window as unknown as Record<string, unknown>).jWeixin;
    }
  });
});

describe('open tags with jweixin 1.4.0', () => {
  it('records no openTagList, and says that the tags need jweixin 1.6.0', async () => {
    const wx = await openPage({ body: WEAPP, jweixin: JWEIXIN_14 });
    const events = record(tag('#weapp'), 'ready', 'error');
    const verified = await config(wx, ['wx-open-launch-weapp']);
    expect(verified.state).toBe('ok');
    expect(verified.openTagList).toBeUndefined();
    await vi.waitFor(() => expect(events).toHaveLength(1));
    expect(events[0]).toMatch(/^error .*jweixin without open tags \(no openTagList: jweixin 1.4.0\?\)\. Load jweixin-1.6.0/);
    expect(panel('[data-card="open-tags"]')!.textContent).toContain('openTagList: none sent');
  });
});
