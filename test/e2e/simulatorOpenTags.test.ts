// The built simulator (dist/wechat-simulator.iife.js) in real Chromium, on a plain HTML page with
// open tags and the real jweixin 1.6.0: custom elements defined before the parser meets the tags,
// templates shown in Shadow DOM, events the page's own listeners receive, clicks inside the
// template, WeixinOpenTagsError, and the panel when jweixin cannot load. Served by a small
// loopback server that signs with the official test vector's ticket and verifies like WeChat.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../scripts/chromium.mjs';
import { jsapiSignature } from '../../src/server/jsapiSignature';
import { verifyConfig, type VerifyRequest } from '../../src/server/verifyConfig';

const HOST = 'h5.example.com';
const APP_ID = 'wx1234567890abcdef';
const TICKET = 'sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg';
const JWEIXIN_16 = readFileSync(createRequire(import.meta.url).resolve('jweixin-1.6.0/index.original.js'), 'utf8');

// A page: the simulator first in <head> (its data-* attributes from `simulator`), jweixin from
// `jweixin`, then the tags, listeners added after them as a plain page does, and a wx.config.
function page(options: { simulator: string; jweixin: string; openTagList: string[] }) {
  return `<!doctype html><html><head><meta charset="utf-8">
<script src="/wechat-simulator.iife.js" data-verify="/verify" ${options.simulator}></script>
<script src="${options.jweixin}"></script></head><body>
<wx-open-launch-weapp id="weapp" username="gh_abc123" path="pages/index.html?from=h5" style="display:block">
  <script type="text/wxtag-template"><style>button { padding: 12px }</style><button id="open-weapp">Open the Mini Program</button></script>
</wx-open-launch-weapp>
<wx-open-launch-app id="app" appid="wxapp0001" extinfo="page=7" style="display:block">
  <template><button id="open-app">Open the app</button></template>
</wx-open-launch-app>
<script>
  window.events = [];
  for (const id of ['weapp', 'app']) for (const type of ['ready', 'error', 'launch']) {
    document.getElementById(id).addEventListener(type, (e) => events.push(id + ' ' + type + ' ' + JSON.stringify(e.detail)));
  }
  document.addEventListener('WeixinOpenTagsError', (e) => events.push('WeixinOpenTagsError ' + e.detail.errMsg));
  if (window.wx) fetch('/sign?url=' + encodeURIComponent(location.href.split('#')[0])).then((r) => r.json()).then((s) =>
    wx.config(Object.assign(s, { jsApiList: ['updateAppMessageShareData'], openTagList: ${JSON.stringify(options.openTagList)} })));
</script></body></html>`;
}

let server: Server;
let browser: Browser;
let base: string;
let nonce = 0;
const pages: Record<string, string> = {
  '/tags': page({ simulator: 'data-platform="android"', jweixin: '/jweixin-1.6.0.js', openTagList: ['wx-open-launch-weapp'] }),
  '/old-ios': page({ simulator: 'data-platform="ios" data-version="8.0.7"', jweixin: '/jweixin-1.6.0.js', openTagList: ['wx-open-launch-weapp'] }),
  '/no-web-components': page({ simulator: 'data-platform="android" data-open-tags-error="no Web Components"', jweixin: '/jweixin-1.6.0.js', openTagList: ['wx-open-launch-weapp'] }),
  '/blocked': page({ simulator: 'data-platform="android"', jweixin: '/blocked/jweixin-1.6.0.js', openTagList: [] }),
};

beforeAll(async () => {
  server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const send = (status: number, type: string, body: string) => response.writeHead(status, { 'Content-Type': type }).end(body);
    if (url.pathname === '/wechat-simulator.iife.js') return send(200, 'text/javascript', readFileSync('dist/wechat-simulator.iife.js', 'utf8'));
    if (url.pathname === '/jweixin-1.6.0.js') return send(200, 'text/javascript', JWEIXIN_16);
    if (url.pathname === '/sign') {
      const nonceStr = `n${++nonce}`;
      const timestamp = 1700000000 + nonce;
      const signature = jsapiSignature({ jsapi_ticket: TICKET, noncestr: nonceStr, timestamp, url: url.searchParams.get('url') ?? '' });
      return send(200, 'application/json', JSON.stringify({ appId: APP_ID, timestamp, nonceStr, signature }));
    }
    if (url.pathname === '/verify') {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => send(200, 'application/json', JSON.stringify(verifyConfig(JSON.parse(body) as VerifyRequest, { appId: APP_ID, jsapi_ticket: TICKET }))));
      return;
    }
    if (pages[url.pathname]) return send(200, 'text/html', pages[url.pathname]);
    send(404, 'text/plain', 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://${HOST}:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium(HOST);
});
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

let problems: string[] = [];
let current: Page | undefined;
afterEach(async () => {
  expect(problems).toEqual([]);
  await current?.context().close();
});

async function open(path: string) {
  const context = await browser.newContext({ viewport: { width: 375, height: 812 } });
  current = await context.newPage();
  problems = [];
  current.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  current.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  await current.goto(`${base}${path}`);
  return current;
}
const events = (p: Page) => p.evaluate(() => (window as unknown as { events: string[] }).events);
const tagState = (p: Page, name: string) => p.getAttribute(`wechat-share-simulator >> [data-open-tag="${name}"]`, 'data-state');

describe('the simulator IIFE with open tags, in Chromium', () => {
  it('fires ready on the listed tag and shows its template, error on the other, and launch on a click inside the template', async () => {
    const p = await open('/tags');
    await p.waitForFunction(() => (window as unknown as { events: string[] }).events.length >= 2);
    expect((await events(p)).sort()).toEqual([
      expect.stringMatching(/^app error \{"errMsg":"wx-open-launch-app is not in the openTagList of the wx.config in force/),
      'weapp ready null',
    ]);
    // The template is in the tag's Shadow DOM, visible; the unlisted tag is blank.
    expect(await p.isVisible('#weapp >> #open-weapp')).toBe(true);
    expect(await p.locator('#open-app').count()).toBe(0);
    expect(await tagState(p, 'wx-open-launch-weapp')).toBe('ready');
    expect(await tagState(p, 'wx-open-launch-app')).toBe('error');

    await p.click('#open-weapp');
    await p.waitForFunction(() => (window as unknown as { events: string[] }).events.length >= 3);
    expect((await events(p))[2]).toBe('weapp launch {"userName":"gh_abc123","path":"pages/index.html?from=h5"}');
    expect(await p.textContent('wechat-share-simulator >> [data-launch]')).toBe('wx-open-launch-weapp: would open Mini Program `gh_abc123` at `pages/index.html?from=h5`');
  });

  it('fires WeixinOpenTagsError on iOS with WeChat 8.0.7 (data-version) and leaves the tags blank', async () => {
    const p = await open('/old-ios');
    await p.waitForFunction(() => (window as unknown as { events: string[] }).events.length >= 1);
    expect(await events(p)).toEqual(['WeixinOpenTagsError WeChat 8.0.7 on iOS 15 or later cannot use open tags (fixed in 8.0.8)']);
    expect(await tagState(p, 'wx-open-launch-weapp')).toBe('unusable');
    expect(await p.locator('#open-weapp').count()).toBe(0);
  });

  it('fires WeixinOpenTagsError with the errMsg of data-open-tags-error', async () => {
    const p = await open('/no-web-components');
    await p.waitForFunction(() => (window as unknown as { events: string[] }).events.length >= 1);
    expect(await events(p)).toEqual(['WeixinOpenTagsError no Web Components']);
    expect(await p.textContent('wechat-share-simulator >> [data-open-tags-error]')).toContain('no Web Components');
  });

  it('says that jweixin did not load, and from where, when its request fails', async () => {
    const p = await open('/blocked');
    await p.waitForSelector('wechat-share-simulator >> .status[data-state="no-config"]', { timeout: 15_000 });
    expect(await p.textContent('wechat-share-simulator >> .status b')).toBe('jweixin did not load');
    expect(await p.textContent('wechat-share-simulator >> .status')).toContain(`Failed: ${base}/blocked/jweixin-1.6.0.js.`);
    // The 404 of the blocked script is the only console error; no page error.
  });
});
