// createDevMiddleware (the built one) with weixin-js-sdk 1.6.0 installed in the project, in front of
// a plain page in Chromium: the page shares through the simulator with the jweixin the middleware
// serves, and asks nothing of res.wx.qq.com (issue 16, item 13: pages work without the internet).
import { once } from 'node:events';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDevMiddleware } from 'wechat-share/dev';
import { HOST, matching, statusOf, useChromium } from './browser';

const root = mkdtempSync(join(tmpdir(), 'wechat-share-offline-'));
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>Offline</title></head>
<body><p id="status">starting…</p>
<script src="/wechat-share.iife.js" data-endpoint="/api/wechat/signature"></script>
<script>
  WechatShare.setupShare({ title: 'Offline card', link: location.href, imgUrl: 'https://${HOST}/card.png' })
    .then((result) => (document.getElementById('status').textContent = result.status))
    .catch((error) => (document.getElementById('status').textContent = 'error ' + error.code + ' ' + error.message));
</script></body></html>`;
let server: Server;
let base: string;
const open = useChromium();

beforeAll(async () => {
  // The project: weixin-js-sdk 1.6.0 as npm installs it (the real file, index.original.js).
  const sdk = join(root, 'node_modules', 'weixin-js-sdk');
  mkdirSync(sdk, { recursive: true });
  cpSync('node_modules/jweixin-1.6.0', sdk, { recursive: true });
  const middleware = createDevMiddleware({ log: () => {}, appId: undefined, appSecret: undefined, root });
  expect(middleware.jweixinPath).toBe('/__wechat-share/jweixin-1.6.0.js');
  const iife = readFileSync('dist/wechat-share.iife.js');
  server = createServer((req, res) =>
    middleware(req, res, () => {
      if (req.url === '/wechat-share.iife.js') return res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(iife);
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(PAGE);
    }),
  ).listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://${HOST}:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server?.closeAllConnections();
  server?.close();
  rmSync(root, { recursive: true, force: true });
});

it('shares with the jweixin it serves, verified by the simulator, without asking res.wx.qq.com', async () => {
  const s = await open({ platform: 'ios' });
  await s.page.goto(`${base}/`);
  expect(await statusOf(s.page)).toBe('ready');
  expect(await s.page.getAttribute('wechat-share-simulator >> .status', 'data-state')).toBe('ok');
  expect(matching(s.requests, '/__wechat-share/jweixin-1.6.0.js')).toHaveLength(1);
  expect(matching(s.requests, 'wx.qq.com')).toEqual([]);
  // First the simulator, then jweixin: classic scripts, so both run before the page's own.
  expect(await s.page.evaluate(() => [...document.head.querySelectorAll('script')].map((script) => script.getAttribute('src')))).toEqual([
    '/__wechat-share/simulator.js',
    '/__wechat-share/jweixin-1.6.0.js',
  ]);
});
