// setupShare inside WeCom (企业微信), in real Chromium with the built SDK and simulator and Tencent's
// real @wecom/jssdk 2.4.0 (dist/wecom.global.prod.js, served at its wwcdn addresses from the npm
// copy): signed by the library's dev middleware (createDevMiddleware: a WeCom signer on the fake
// qyapi, and the verify endpoint the simulator asks). The card reaches the client when the user
// taps 转发 / 微信 / 朋友圈 in the simulator's panel. The same page and build in WeChat (jweixin) and
// in a desktop browser: not one WeCom request there.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../scripts/chromium.mjs';
import { createDevMiddleware } from 'wechat-share/dev';
import { bootScript } from 'wechat-share/server';
import { PLATFORM_KEY, VERSION_KEY, wechatUserAgent, wecomUserAgent } from 'wechat-share/simulator';

const HOST = 'h5.example.com';
const require = createRequire(import.meta.url);
const WW = readFileSync(require.resolve('@wecom/jssdk/dist/wecom.global.prod.js'), 'utf8');
const JWEIXIN = readFileSync(require.resolve('weixin-js-sdk/index.original.js'), 'utf8');
const WW_MAIN = 'https://wwcdn.weixin.qq.com/node/open/js/wecom-jssdk-2.4.0.js';
const WW_BACKUP = 'https://wwcdn.weixin.qq.com/node/wework/wwopen/js/wecom-jssdk-2.4.0.js';

// One page for both clients: the simulator first (the dev middleware puts its tag first in <head>;
// it plays what sessionStorage says), the SDK, then
// one setupShare per route. ?endpoint= picks the signing endpoint (/bad-sign answers a tampered signature).
const PAGE = (endpoint: string, boot = '', timeout = 10000) => `<!doctype html><html><head><meta charset="utf-8"><title>Orders</title>
${boot}<script src="/wechat-share.iife.js"></script>
</head><body><script>
  window.share = (title) => WechatShare.setupShare({ title, desc: 'for ' + title, imgUrl: '/thumb.png' }, { endpoint: '${endpoint}', timeout: ${timeout} }).then(
    (result) => result,
    (error) => ({ code: error.code, message: error.message, errMsg: error.errMsg, hint: error.hint }),
  );
  window.first = window.share('Home');
</script></body></html>`;
// The script tag's early start (data-endpoint): the page's first setupShare, without options, gives it its card.
const EARLY_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Default title</title>
<script src="/wechat-share.iife.js" data-endpoint="/api/wechat/signature"></script>
</head><body><script>
  window.first = WechatShare.setupShare({ title: 'Spring sale', desc: 'Up to 50% off' });
</script></body></html>`;

let server: Server;
let browser: Browser;
let base: string;
const signing: string[] = [];

beforeAll(async () => {
  const dev = createDevMiddleware({ root: false, log: () => undefined });
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/api/wechat/signature') signing.push(`${url.searchParams.get('platform') ?? 'wechat'} ${url.searchParams.get('url')}`);
    if (url.pathname === '/bad-sign') {
      // The real answer with one character of each signature changed.
      void fetch(`${base.replace(HOST, "127.0.0.1")}/api/wechat/signature${url.search}`).then(async (answer) => {
        const body = await answer.json();
        const flip = (signature: string) => (signature[0] === 'a' ? 'b' : 'a') + signature.slice(1);
        body.signature = flip(body.signature);
        if (body.agentSignature) body.agentSignature.signature = flip(body.agentSignature.signature);
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
      });
      return;
    }
    dev(req, res, () => {
      if (url.pathname === '/wechat-share.iife.js') return res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(readFileSync('dist/wechat-share.iife.js'));
      if (url.pathname === '/thumb.png') return res.writeHead(204).end();
      const endpoint = url.searchParams.get('endpoint') ?? '/api/wechat/signature';
      const html = url.searchParams.has('early')
        ? EARLY_PAGE
        : PAGE(endpoint, url.searchParams.has('boot') ? bootScript({ endpoint }) : '', Number(url.searchParams.get('timeout') ?? 10000));
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://${HOST}:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium(HOST);
});
afterAll(async () => {
  await browser?.close();
  server?.close();
});

interface Session {
  context: BrowserContext;
  page: Page;
  requests: string[];
  refused: string[];
}

/** A context playing `client` on `os` (panel platform in sessionStorage), ww and jweixin served at their CDN addresses. */
async function open(client: 'wecom' | 'wechat' | 'browser', os: 'ios' | 'android', options: { version?: string; wwMain?: 'fail' | 'hang' } = {}): Promise<Session> {
  const userAgent = client === 'wecom' ? wecomUserAgent(os, options.version) : client === 'wechat' ? wechatUserAgent(os) : undefined;
  const context = await browser.newContext({ viewport: { width: 375, height: 812 }, ...(userAgent && { userAgent }) });
  const platform = client === 'wecom' ? `wecom-${os}` : client === 'wechat' ? os : 'browser';
  await context.addInitScript(({ keys, platform, version }) => {
    sessionStorage.setItem(keys[0], platform);
    if (version) sessionStorage.setItem(keys[1], version);
  }, { keys: [PLATFORM_KEY, VERSION_KEY], platform, version: options.version });
  const requests: string[] = [];
  const refused: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).hostname === HOST) return route.fallback();
    if (url === WW_MAIN && options.wwMain === 'fail') return route.fulfill({ status: 404, body: 'not found' });
    // A CDN that never answers: the request stays pending until the context closes.
    if (url === WW_MAIN && options.wwMain === 'hang') return undefined;
    if (url === WW_MAIN || url === WW_BACKUP) return route.fulfill({ status: 200, contentType: 'application/javascript', body: WW });
    if (url === 'https://res.wx.qq.com/open/js/jweixin-1.4.0.js') return route.fulfill({ status: 200, contentType: 'application/javascript', body: JWEIXIN });
    refused.push(url);
    return route.abort();
  });
  context.on('request', (request) => requests.push(request.url()));
  const page = await context.newPage();
  return { context, page, requests, refused };
}

const panel = (page: Page, selector: string) => page.locator(`wechat-share-simulator >> ${selector}`);
/** Taps a WeCom menu in the panel and resolves with the title of the card that reached the client. */
async function tap(page: Page, target: 'appmessage' | 'wechat' | 'timeline'): Promise<string> {
  await panel(page, `button[data-tap="${target}"]`).click();
  const card = { appmessage: 'wecom', wechat: 'wechat', timeline: 'moments' }[target];
  await expect.poll(() => panel(page, '[data-result]').textContent()).toMatch(/:ok$/);
  return (await panel(page, `[data-card="${card}"] .title`).textContent()) ?? '';
}
const configKinds = (page: Page) => page.evaluate(() => (window as unknown as { WechatSimulator: { bridge: { state: { configs: { kind: string; state: string }[] } } } }).WechatSimulator.bridge.state.configs.map((c) => `${c.kind}:${c.state}`));

describe.each(['ios', 'android'] as const)('WeCom on %s', (os) => {
  it('applies the card on 转发, 微信 and 朋友圈 through the agent config (WeCom 4.1.30), with one signing request', async () => {
    const s = await open('wecom', os);
    try {
      const before = signing.length;
      await s.page.goto(`${base}/orders?id=1#top`);
      const result = await s.page.evaluate(() => (window as unknown as { first: Promise<unknown> }).first);
      expect(result).toEqual({ status: 'ready', platform: 'wecom', signedUrl: `${base}/orders?id=1`, jsApiList: ['onMenuShareAppMessage', 'onMenuShareWechat', 'onMenuShareTimeline'], openTagList: [] });
      // From WeCom 3.0.24 @wecom/jssdk runs only the agent config when the app has an agentId.
      expect(await configKinds(s.page)).toEqual(['agent:ok']);
      expect(signing.slice(before)).toEqual([`wecom ${base}/orders?id=1`]);
      for (const target of ['appmessage', 'wechat', 'timeline'] as const) expect(await tap(s.page, target)).toBe('Home');
      expect(await panel(s.page, '[data-card="wechat"] .desc').textContent()).toBe('for Home');
      expect(s.requests.filter((url) => url.includes('wwcdn'))).toEqual([WW_MAIN]);
      expect(s.requests.filter((url) => url.includes('jweixin'))).toEqual([]);
      expect(s.refused).toEqual([]);
    } finally {
      await s.context.close();
    }
  });
});

describe('WeCom', () => {
  it('below 3.0.24 runs the corp config first, then the agent config, both verified', async () => {
    const s = await open('wecom', 'android', { version: '3.0.16' });
    try {
      await s.page.goto(`${base}/old`);
      expect(await s.page.evaluate(() => (window as unknown as { first: Promise<{ status: string }> }).first)).toMatchObject({ status: 'ready', platform: 'wecom' });
      expect(await configKinds(s.page)).toEqual(['corp:ok', 'agent:ok']);
      expect(await tap(s.page, 'wechat')).toBe('Home');
    } finally {
      await s.context.close();
    }
  });

  it('an SPA of 10 routes: each route re-signs its URL (WeCom checks the current one) and its card reaches the client', async () => {
    const s = await open('wecom', 'ios');
    try {
      await s.page.goto(`${base}/spa/0`);
      await s.page.evaluate(() => (window as unknown as { first: Promise<unknown> }).first);
      const before = signing.length;
      for (let route = 1; route <= 10; route++) {
        const result = await s.page.evaluate(async (route) => {
          history.pushState(null, '', `/spa/${route}`);
          return (window as unknown as { share: (title: string) => Promise<unknown> }).share(`Route ${route}`);
        }, route);
        expect(result).toMatchObject({ status: 'ready', platform: 'wecom', signedUrl: `${base}/spa/${route}` });
        expect(await tap(s.page, route % 2 ? 'wechat' : 'appmessage')).toBe(`Route ${route}`);
      }
      expect(signing.slice(before)).toEqual(Array.from({ length: 10 }, (_, i) => `wecom ${base}/spa/${i + 1}`));
      expect((await configKinds(s.page)).filter((kind) => kind === 'agent:ok')).toHaveLength(11);
    } finally {
      await s.context.close();
    }
  });

  it('an invalid signature rejects CONFIG_FAILED with WeCom\'s errMsg and a hint, and the panel says what failed', async () => {
    const s = await open('wecom', 'android');
    try {
      await s.page.goto(`${base}/bad?endpoint=/bad-sign`);
      const result = await s.page.evaluate(() => (window as unknown as { first: Promise<unknown> }).first);
      expect(result).toMatchObject({ code: 'CONFIG_FAILED', errMsg: expect.stringContaining('invalid signature'), hint: expect.stringContaining('agent ticket') });
      expect(await configKinds(s.page)).toEqual(['agent:failed']);
      expect(await panel(s.page, '.status').textContent()).toContain("Check: sign");
    } finally {
      await s.context.close();
    }
  });

  it('with the boot snippet first in <head>: it starts ww and the platform=wecom request, and the SDK takes both', async () => {
    const s = await open('wecom', 'android');
    try {
      const before = signing.length;
      await s.page.goto(`${base}/booted?boot`);
      expect(await s.page.evaluate(() => (window as unknown as { first: Promise<unknown> }).first)).toMatchObject({ status: 'ready', platform: 'wecom' });
      expect(signing.slice(before)).toEqual([`wecom ${base}/booted?boot`]);
      expect(s.requests.filter((url) => url.includes('wwcdn'))).toEqual([WW_MAIN]);
      expect(s.requests.filter((url) => url.includes('jweixin'))).toEqual([]);
      expect(await tap(s.page, 'appmessage')).toBe('Home');
    } finally {
      await s.context.close();
    }
  });

  it('the script tag\'s early start applies the card of the page\'s first setupShare, not the default one', async () => {
    const s = await open('wecom', 'ios');
    try {
      await s.page.goto(`${base}/sale?early`);
      expect(await s.page.evaluate(() => (window as unknown as { first: Promise<unknown> }).first)).toMatchObject({ status: 'ready', platform: 'wecom' });
      expect(await tap(s.page, 'wechat')).toBe('Spring sale');
      expect(await panel(s.page, '[data-card="wechat"] .desc').textContent()).toBe('Up to 50% off');
    } finally {
      await s.context.close();
    }
  });

  it('a wwcdn path the boot snippet left hanging: the card is applied through the backup path (one time limit: test/wecom/loadWw.test.ts)', async () => {
    const s = await open('wecom', 'android', { wwMain: 'hang' });
    try {
      // The hanging script holds the load event: wait for the DOM only.
      await s.page.goto(`${base}/hang?boot&timeout=1000`, { waitUntil: 'domcontentloaded' });
      expect(await s.page.evaluate(() => (window as unknown as { first: Promise<unknown> }).first)).toMatchObject({ status: 'ready', platform: 'wecom' });
      expect(s.requests.filter((url) => url.includes('wwcdn'))).toEqual([WW_MAIN, WW_BACKUP]);
    } finally {
      await s.context.close();
    }
  });

  it('falls back to the backup wwcdn path when the main one fails', async () => {
    const s = await open('wecom', 'ios', { wwMain: 'fail' });
    try {
      await s.page.goto(`${base}/fallback`);
      expect(await s.page.evaluate(() => (window as unknown as { first: Promise<unknown> }).first)).toMatchObject({ status: 'ready', platform: 'wecom' });
      expect(s.requests.filter((url) => url.includes('wwcdn'))).toEqual([WW_MAIN, WW_BACKUP]);
    } finally {
      await s.context.close();
    }
  });
});

describe('the same page and build outside WeCom', () => {
  it('in WeChat: jweixin and the WeChat signature, both cards right, not one WeCom request', async () => {
    const s = await open('wechat', 'android');
    try {
      const before = signing.length;
      await s.page.goto(`${base}/orders?id=2`);
      expect(await s.page.evaluate(() => (window as unknown as { first: Promise<unknown> }).first)).toMatchObject({ status: 'ready', signedUrl: `${base}/orders?id=2` });
      expect(await panel(s.page, '[data-card="chat"] .title').textContent()).toBe('Home');
      expect(await panel(s.page, '[data-card="moments"]').textContent()).toContain('Home');
      expect(signing.slice(before)).toEqual([`wechat ${base}/orders?id=2`]);
      expect(s.requests.filter((url) => /wwcdn|wecom/i.test(url))).toEqual([]);
    } finally {
      await s.context.close();
    }
  });

  it('in a desktop browser: unsupported, nothing loaded or requested', async () => {
    const s = await open('browser', 'android');
    try {
      const before = signing.length;
      await s.page.goto(`${base}/orders?id=3`);
      expect(await s.page.evaluate(() => (window as unknown as { first: Promise<unknown> }).first)).toEqual({ status: 'unsupported', reason: 'not-wechat' });
      expect(signing.slice(before)).toEqual([]);
      expect(s.requests.filter((url) => !url.startsWith(base))).toEqual([]);
    } finally {
      await s.context.close();
    }
  });
});
