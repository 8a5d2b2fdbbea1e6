// examples/vite-vue under a real Vite dev server started here, with the wechatShare() plugin of
// wechat-share/vite: the simulated client and the signing endpoint come from the plugin alone,
// Chromium runs the real jweixin 1.6.0 (the app asks for it: one route has an open tag) served by the
// plugin from the npm copy, with no request to res.wx.qq.com, and each
// route's card is verified, and the open tag's ready seen. `vite build` of the
// same example carries none of it.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, createLogger, createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOST, SHOTS, matching, statusOf, useChromium, type Session } from './browser';

const ROOT = 'examples/vite-vue';
let vite: ViteDevServer;
let base: string;
const logged: string[] = [];
const open = useChromium();

beforeAll(async () => {
  const logger = createLogger('info');
  logger.info = (line) => void logged.push(line);
  vite = await createServer({
    root: ROOT,
    configFile: `${ROOT}/vite.config.js`,
    customLogger: logger,
    // A real-looking host (mapped to loopback in Chromium) must be allowed, as for any tunnel.
    server: { host: '127.0.0.1', port: 0, allowedHosts: [HOST], hmr: false },
  });
  await vite.listen();
  base = `http://${HOST}:${(vite.httpServer!.address() as AddressInfo).port}`;
}, 60_000);
afterAll(async () => {
  await vite?.close();
});

const panel = (s: Session) => ({
  state: () => s.page.getAttribute('wechat-share-simulator >> .status', 'data-state'),
  chatTitle: () => s.page.textContent('wechat-share-simulator >> [data-card="chat"] .title'),
});

it('prints what the plugin mounted under Vite\'s URLs', () => {
  vite.printUrls();
  expect(logged.filter((line) => line.includes('wechat-share:')).map((line) => line.replace(/\u001b\[[\d;]*m/g, '').trim())).toEqual([
    '➜  wechat-share: signing endpoint /api/wechat/signature (fake WeChat API, appId wx_dev_app_id)',
    '➜  wechat-share: WeCom signing (platform=wecom) at /api/wechat/signature (fake WeCom API, corpId ww0000000000demo0, agentId 1000002)',
    '➜  wechat-share: simulated WeChat client: /__wechat-share/simulator.js, verify endpoint /__wechat-share/verify',
    // This repository's weixin-js-sdk is 1.4.0-test; the example names its 1.6.0 alias.
    '➜  wechat-share: jweixin: /__wechat-share/jweixin-1.6.0.js, from jweixin-1.6.0: weixin-js-sdk 1.6.0 (pages work offline)',
    '➜  wechat-share: clients: this machine only (allowRemote: true lets a phone on the LAN in)',
  ]);
});

describe.each(['ios', 'android'] as const)('on %s', (platform) => {
  it('verifies the first route\'s card, then the next route\'s after a router navigation', async () => {
    const s = await open({ platform });
    await s.page.goto(`${base}/`);
    expect(await statusOf(s.page)).toBe('ready');
    expect(await panel(s).state()).toBe('ok');
    expect(await panel(s).chatTitle()).toBe('Shop');
    // The simulator is the first classic script of <head>: it runs before Vite's client and the
    // app (modules, deferred) and before anything else looks at the page.
    expect(await s.page.evaluate(() => document.head.querySelector('script:not([type=module])')?.getAttribute('src'))).toBe('/__wechat-share/simulator.js');

    await s.page.click('nav >> text=Product 42');
    await expect.poll(() => panel(s).chatTitle()).toBe('Product 42');
    expect(await panel(s).state()).toBe('ok');
    expect(s.page.url()).toBe(`${base}/products/42`);
    expect(matching(s.requests, 'wx.qq.com')).toEqual([]);
    const signed = matching(s.requests, '/api/wechat/signature').map((r) => decodeURIComponent(r.split('url=')[1]));
    // iOS checks the entry URL for the whole session; Android the current one.
    expect(signed).toEqual(platform === 'ios' ? [`${base}/`] : [`${base}/`, `${base}/products/42`]);
    await s.page.screenshot({ path: `${SHOTS}/vite-vue-${platform}-verified.png` });
  });

  it('the open-tag route: its tag fires ready, covered by the same wx.config as its card', async () => {
    const s = await open({ platform });
    await s.page.goto(`${base}/`);
    expect(await statusOf(s.page)).toBe('ready');
    await s.page.click('nav >> text=Mini Program');
    await expect.poll(() => s.page.textContent('#tag-status'), { timeout: 15_000 }).toBe('ready');
    await expect.poll(() => panel(s).chatTitle()).toBe('Mini Program');
    expect(await panel(s).state()).toBe('ok');
    expect(await s.page.getAttribute('wechat-share-simulator >> [data-open-tag="wx-open-launch-weapp"]', 'data-state')).toBe('ready');
    // jweixin 1.6.0 from the plugin, before the app: nothing from res.wx.qq.com (the harness would
    // serve it; no request is made). iOS signed once (the entry URL), Android each URL.
    expect(matching(s.requests, 'jweixin-')).toEqual([`GET ${base}/__wechat-share/jweixin-1.6.0.js`]);
    expect(matching(s.requests, 'wx.qq.com')).toEqual([]);
    const signed = matching(s.requests, '/api/wechat/signature').map((r) => decodeURIComponent(r.split('url=')[1]));
    expect(signed).toEqual(platform === 'ios' ? [`${base}/`] : [`${base}/`, `${base}/weapp`]);
    // The template is drawn in the tag's Shadow DOM.
    expect(await s.page.evaluate(() => document.getElementById('launch-weapp')?.shadowRoot?.textContent)).toContain('Open the Mini Program');
    await s.page.screenshot({ path: `${SHOTS}/vite-vue-${platform}-open-tag.png` });
  });
});

it('vite build output carries no simulator, no verify endpoint and no plugin code', async () => {
  const outDir = mkdtempSync(join(tmpdir(), 'wechat-share-vite-build-'));
  try {
    await build({ root: ROOT, configFile: `${ROOT}/vite.config.js`, logLevel: 'silent', build: { outDir, emptyOutDir: true } });
    const files = readdirSync(outDir, { recursive: true, withFileTypes: true }).filter((f) => f.isFile() && /\.(html|js)$/.test(f.name));
    const text = files.map((f) => readFileSync(join(f.parentPath, f.name), 'utf8')).join('\n');
    expect(files.map((f) => f.name)).toContain('index.html');
    // The SDK itself is in the app bundle; the dev parts are not.
    expect(text).toContain('/api/wechat/signature');
    expect(text).not.toMatch(/__wechat-share|WeixinJSBridge.invoke|wx_dev_app_id/);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}, 60_000);
