// Signatures that heal themselves (issue 23.2), in real Chromium with the built SDK and simulator
// and the real jweixin: an app that removes OAuth's `code` and `state` with history.replaceState
// before the SDK loads, on iOS, in a WebView where no navigation entry tells the entry URL. The
// client (the simulator, first in <head>, as WeChat's WebView knows the URL it opened) checks the
// entry URL and says so with `realAuthUrl`; the SDK signs that URL and configures once more.
// Served by a small loopback server that signs with the official test vector's ticket (or, for
// /bad-sign, another one) and verifies like WeChat.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../scripts/chromium.mjs';
import { jsapiSignature } from '../../src/server/jsapiSignature';
import { verifyConfig, type VerifyRequest } from '../../src/dev/verifyConfig';

const HOST = 'h5.example.com';
const APP_ID = 'wx1234567890abcdef';
const TICKET = 'sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg';
const require = createRequire(import.meta.url);
const JWEIXIN: Record<string, string> = {
  '1.4.0': readFileSync(require.resolve('weixin-js-sdk/index.original.js'), 'utf8'),
  '1.6.0': readFileSync(require.resolve('jweixin-1.6.0/index.original.js'), 'utf8'),
};

// The app's page: the simulator first, then the app's own script (no navigation entry in this
// WebView; OAuth's code and state removed), then the SDK, then its setupShare.
const page = (version: string, endpoint: string) => `<!doctype html><html><head><meta charset="utf-8">
<script src="/wechat-simulator.iife.js" data-verify="/verify" data-platform="ios"></script>
<script>
  const byType = performance.getEntriesByType.bind(performance);
  performance.getEntriesByType = (type) => (type === 'navigation' ? [] : byType(type));
  history.replaceState(null, '', location.pathname);
</script>
<script src="/wechat-share.iife.js"></script>
</head><body><p id="status">starting…</p><script>
  WechatShare.setupShare({ title: 'After OAuth' }, { endpoint: '${endpoint}', sdkUrl: '/jweixin-${version}.js' }).then(
    (result) => (window.outcome = result),
    (error) => (window.outcome = { code: error.code, message: error.message, realAuthUrl: error.realAuthUrl }),
  );
</script></body></html>`;

let server: Server;
let browser: Browser;
let base: string;
let nonce = 0;
const signing: string[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const send = (status: number, type: string, body: string) => response.writeHead(status, { 'Content-Type': type }).end(body);
    if (url.pathname === '/wechat-simulator.iife.js') return send(200, 'text/javascript', readFileSync('dist/wechat-simulator.iife.js', 'utf8'));
    if (url.pathname === '/wechat-share.iife.js') return send(200, 'text/javascript', readFileSync('dist/wechat-share.iife.js', 'utf8'));
    const jweixin = /^\/jweixin-(1\.[46]\.0)\.js$/.exec(url.pathname);
    if (jweixin) return send(200, 'text/javascript', JWEIXIN[jweixin[1]]);
    if (url.pathname === '/sign' || url.pathname === '/bad-sign') {
      const signed = url.searchParams.get('url') ?? '';
      signing.push(signed);
      const nonceStr = `n${++nonce}`;
      const timestamp = 1700000000 + nonce;
      const ticket = url.pathname === '/sign' ? TICKET : 'another-ticket';
      const signature = jsapiSignature({ jsapi_ticket: ticket, noncestr: nonceStr, timestamp, url: signed });
      return send(200, 'application/json', JSON.stringify({ appId: APP_ID, timestamp, nonceStr, signature }));
    }
    if (url.pathname === '/verify') {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => send(200, 'application/json', JSON.stringify(verifyConfig(JSON.parse(body) as VerifyRequest, { appId: APP_ID, jsapi_ticket: TICKET }))));
      return;
    }
    const app = /^\/app-(1\.[46]\.0)(-bad)?$/.exec(url.pathname);
    if (app) return send(200, 'text/html', page(app[1], app[2] ? '/bad-sign' : '/sign'));
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
  signing.length = 0;
  current.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  current.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  await current.goto(`${base}${path}`);
  await current.waitForFunction(() => 'outcome' in window, undefined, { timeout: 15_000 });
  return current;
}
const outcome = (p: Page) => p.evaluate(() => (window as unknown as { outcome: Record<string, unknown> }).outcome);
const panelText = (p: Page) => p.textContent('wechat-share-simulator >> .status');

describe.each(['1.4.0', '1.6.0'])('jweixin %s, iOS, OAuth code and state removed before the SDK loads', (version) => {
  it('signs the realAuthUrl the client reported and gets the card', async () => {
    const p = await open(`/app-${version}?code=061AbcDef&state=login`);
    const entry = `${base}/app-${version}?code=061AbcDef&state=login`;
    expect(await p.evaluate(() => location.href)).toBe(`${base}/app-${version}`);
    expect(await outcome(p)).toMatchObject({ status: 'ready', signedUrl: entry });
    expect(signing).toEqual([`${base}/app-${version}`, entry]);
    expect(await panelText(p)).toContain(`✓ Signature verified`);
    expect(await panelText(p)).toContain(`for ${entry}`);
  });

  it('rejects CONFIG_FAILED naming both URLs when that signature fails too, and the panel shows the realAuthUrl', async () => {
    const p = await open(`/app-${version}-bad?code=061AbcDef&state=login`);
    const entry = `${base}/app-${version}-bad?code=061AbcDef&state=login`;
    expect(await outcome(p)).toEqual({
      code: 'CONFIG_FAILED',
      message: `wx.config failed for ${entry}: config:invalid signature (WeChat checked it; first signed: ${base}/app-${version}-bad)`,
      realAuthUrl: entry,
    });
    expect(await panelText(p)).toContain(`Told the page (realAuthUrl): ${entry}`);
  });
});
