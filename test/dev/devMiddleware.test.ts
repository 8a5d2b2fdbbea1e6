// @vitest-environment node
// createDevMiddleware behind Express 4 and 5 in front of express.static and hand-written handlers: the signing
// endpoint, the verify endpoint, the simulator script, and the script put first in <head> of HTML.
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, get, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express5 from 'express';
import express4 from 'express4';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { createDevMiddleware as builtDevMiddleware } from 'wechat-share/dev';
import { createDevMiddleware } from '../../src/dev/index';
import { server as msw } from '../helpers/msw';
import { APP_ID, APP_SECRET, fakeWechat } from '../helpers/wechatApi';

const PAGE = '<!doctype html>\n<html><head lang="zh">\n<title>Card</title></head><body>页面</body></html>\n';
const TAG = '<script src="/__wechat-share/simulator.js" data-verify="/__wechat-share/verify"></script>';
const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8', 'accept-encoding': 'gzip, br' };
const folder = mkdtempSync(join(tmpdir(), 'wechat-share-dev-'));
writeFileSync(join(folder, 'index.html'), PAGE);
writeFileSync(join(folder, 'data.json'), '{"a":1}');
afterAll(() => rmSync(folder, { recursive: true, force: true }));

let server: Server | undefined;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
  server = undefined;
});
async function listen(listener: RequestListener) {
  server = createServer(listener).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
// node:http rather than fetch, which adds its own cache headers.
async function rawGet(url: string, headers: Record<string, string>) {
  const [res] = (await once(get(url, { headers }), 'response')) as [IncomingMessage];
  let body = '';
  for await (const chunk of res) body += chunk;
  return { status: res.statusCode, body };
}
const quiet = { log: () => {}, appId: undefined, appSecret: undefined };

describe.each([
  ['Express 4', express4 as unknown as typeof express5],
  ['Express 5', express5],
])('behind %s', (_, express) => {
  it('signs with the fake WeChat API, and the verify endpoint accepts that signature and refuses a wrong one', async () => {
    const app = express();
    app.use(createDevMiddleware(quiet));
    const base = await listen(app);
    const url = 'https://h5.example.com/page?id=1';
    const signed = await (await fetch(`${base}/api/wechat/signature?url=${encodeURIComponent(url)}`)).json();
    expect(signed).toMatchObject({ appId: 'wx_dev_app_id', nonceStr: expect.any(String), signature: expect.stringMatching(/^[0-9a-f]{40}$/) });
    const verify = (body: object) =>
      fetch(`${base}/__wechat-share/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json());
    await expect(verify({ ...signed, url })).resolves.toEqual({ ok: true, expectedUrl: url });
    await expect(verify({ ...signed, url: `${url}&other=1` })).resolves.toMatchObject({ ok: false, errMsg: 'invalid signature', signedUrl: url });
  });

  it('serves the built simulator and puts its tag first in <head> of pages from express.static, with a right Content-Length', async () => {
    const app = express();
    // Built: it serves dist/wechat-simulator.iife.js from beside dist/server.mjs.
    app.use(builtDevMiddleware(quiet));
    app.use(express.static(folder));
    const base = await listen(app);
    const script = await fetch(`${base}/__wechat-share/simulator.js`);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await script.text()).toBe(readFileSync('dist/wechat-simulator.iife.js', 'utf8'));

    const page = await fetch(`${base}/`, { headers: HTML });
    const text = await page.text();
    expect(text).toBe(PAGE.replace('<head lang="zh">', `<head lang="zh">\n${TAG}`));
    expect(Number(page.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    // Not a page: untouched.
    const json = await fetch(`${base}/data.json`, { headers: HTML });
    expect(await json.text()).toBe('{"a":1}');
    // A revalidation answered 304 gets no body.
    const again = await rawGet(`${base}/`, { ...HTML, 'if-none-match': page.headers.get('etag')! });
    expect(again).toEqual({ status: 304, body: '' });
  });
});

describe('createDevMiddleware with hand-written handlers', () => {
  function chain(middleware: ReturnType<typeof createDevMiddleware>, handler: RequestListener): RequestListener {
    return (req, res) => middleware(req, res, () => handler(req, res));
  }

  it('injects into writeHead(status, headers) answers and streamed chunks, and asks for no compression', async () => {
    const seen: (string | undefined)[] = [];
    const base = await listen(
      chain(createDevMiddleware(quiet), (req, res) => {
        seen.push(req.headers['accept-encoding']);
        if (req.url === '/stream') {
          res.setHeader('Content-Type', 'text/html; charset=utf-8');
          res.write('<html><HEAD>');
          res.write(Buffer.from('<title>流</title></HEAD>'), () => res.end('<body></body></html>'));
          return;
        }
        res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength('<p>no head</p>') });
        res.end('<p>no head</p>');
      }),
    );
    const head = await fetch(`${base}/head`, { headers: HTML });
    expect(await head.text()).toBe(`${TAG}\n<p>no head</p>`);
    const stream = await fetch(`${base}/stream`, { headers: HTML });
    expect(await stream.text()).toBe(`<html><HEAD>\n${TAG}<title>流</title></HEAD><body></body></html>`);
    expect(seen).toEqual([undefined, undefined]);
  });

  it('leaves other answers as they are: a non-HTML request, a POST, an error page that is not HTML', async () => {
    const base = await listen(
      chain(createDevMiddleware(quiet), (req, res) => {
        res.writeHead(req.method === 'POST' ? 201 : 404, { 'Content-Type': req.url === '/text' ? 'text/plain' : 'text/html' });
        res.end('<head></head>');
      }),
    );
    expect(await (await fetch(`${base}/api`, { headers: { accept: 'application/json' } })).text()).toBe('<head></head>');
    expect(await (await fetch(`${base}/`, { method: 'POST', headers: HTML })).text()).toBe('<head></head>');
    const text = await fetch(`${base}/text`, { headers: HTML });
    expect([text.status, await text.text()]).toEqual([404, '<head></head>']);
  });

  it('with simulate: false, mounts the signing endpoint only', async () => {
    const middleware = createDevMiddleware({ ...quiet, simulate: false, endpoint: '/sign' });
    expect(middleware.mounted).toEqual([
      'signing endpoint /sign (fake WeChat API, appId wx_dev_app_id)',
      'WeCom signing (platform=wecom) at /sign (fake WeCom API, corpId ww0000000000demo0, agentId 1000002)',
      'clients: this machine only (allowRemote: true lets a phone on the LAN in)',
    ]);
    expect(middleware.jweixinPath).toBeUndefined();
    expect(middleware.simulatorTag).toBe('');
    const base = await listen(chain(middleware, (_req, res) => res.writeHead(404, { 'Content-Type': 'text/html' }).end('<head></head>')));
    expect((await fetch(`${base}/sign?url=${encodeURIComponent('https://h5.example.com/')}`)).status).toBe(200);
    expect((await fetch(`${base}/__wechat-share/simulator.js`)).status).toBe(404);
    expect((await fetch(`${base}/__wechat-share/verify`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect(await (await fetch(`${base}/`, { headers: HTML })).text()).toBe('<head></head>');
  });

  it('says what it mounted, with the platform in the tag', () => {
    const middleware = createDevMiddleware({ ...quiet, platform: 'android' });
    expect(middleware.mounted).toEqual([
      'signing endpoint /api/wechat/signature (fake WeChat API, appId wx_dev_app_id)',
      'WeCom signing (platform=wecom) at /api/wechat/signature (fake WeCom API, corpId ww0000000000demo0, agentId 1000002)',
      'simulated WeChat client: /__wechat-share/simulator.js injected into HTML pages, verify endpoint /__wechat-share/verify',
      // This repository's weixin-js-sdk is 1.4.0-test (the real jweixin 1.4.0, for the tests).
      'jweixin: from res.wx.qq.com (weixin-js-sdk 1.4.0-test is installed, without open tags; npm install -D weixin-js-sdk@^1.6 to work offline)',
      'clients: this machine only (allowRemote: true lets a phone on the LAN in)',
    ]);
    expect(middleware.simulatorTag).toBe(TAG.replace('></script>', ' data-platform="android"></script>'));
    expect(createDevMiddleware({ log: () => {}, appId: 'wx123', appSecret: 's' }).mounted[0]).toBe('signing endpoint /api/wechat/signature (WeChat API, appId wx123)');
  });

  it('refuses production, a bad endpoint, and a signer without its appId, saying what to fix', () => {
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      expect(() => createDevMiddleware(quiet)).toThrow(/refuses to run with NODE_ENV=production/);
    } finally {
      process.env.NODE_ENV = previous;
    }
    expect(() => createDevMiddleware({ ...quiet, endpoint: 'api/sign' })).toThrow(/endpoint must be a path such as '\/api\/wechat\/signature'/);
    expect(() => createDevMiddleware({ ...quiet, endpoint: '//evil.example/x' })).toThrow(TypeError);
    const signer = { sign: async () => ({}) } as never;
    expect(() => createDevMiddleware({ ...quiet, signer })).toThrow(/give its appId too/);
  });
});

it('answers 500 with what to do when the simulator script is not beside the bundle (run from src/ here)', async () => {
  const base = await listen((req, res) => createDevMiddleware(quiet)(req, res, () => res.end()));
  const response = await fetch(`${base}/__wechat-share/simulator.js`);
  expect([response.status, await response.text()]).toEqual([500, 'wechat-share: dist/wechat-simulator.iife.js is missing from the package. Reinstall wechat-share.']);
});

describe('createDevMiddleware, more', () => {
  const chain = (middleware: ReturnType<typeof createDevMiddleware>, handler: RequestListener): RequestListener => (req, res) => middleware(req, res, () => handler(req, res));
  const page = '<html><head></head></html>';

  it('injects only into a 200 HTML answer to a GET that asks for HTML', async () => {
    const base = await listen(chain(createDevMiddleware(quiet), (req, res) => {
      res.writeHead(req.url === '/missing' ? 404 : 200, { 'Content-Type': 'text/html' });
      res.end(page);
    }));
    expect(await (await fetch(`${base}/`, { headers: { accept: 'application/json' } })).text()).toBe(page);
    expect(await (await fetch(`${base}/missing`, { headers: HTML })).text()).toBe(page);
    expect(await (await fetch(`${base}/`, { headers: HTML })).text()).toBe(`<html><head>\n${TAG}</head></html>`);
  });

  it('takes headers given to writeHead as a raw array, chunks in any encoding, and calls write callbacks', async () => {
    let called = 0;
    const base = await listen(chain(createDevMiddleware(quiet), (_req, res) => {
      res.writeHead(200, ['Content-Type', 'text/html; charset=utf-8', 'X-Extra', 'kept'] as never);
      res.write('3c68746d6c3e3c686561643e', 'hex', () => called++);
      res.write(Buffer.from('</head>'), () => called++);
      res.end('</html>', 'utf8');
    }));
    const response = await fetch(`${base}/`, { headers: HTML });
    expect(await response.text()).toBe(`<html><head>\n${TAG}</head></html>`);
    expect(response.headers.get('x-extra')).toBe('kept');
    expect(called).toBe(2);
  });

  it('signs with the fake WeChat API unless both appId and appSecret are given, from options or the environment', () => {
    const fake = 'signing endpoint /api/wechat/signature (fake WeChat API, appId wx_dev_app_id)';
    expect(createDevMiddleware({ ...quiet, appId: 'wx123' }).mounted[0]).toBe(fake);
    expect(createDevMiddleware({ ...quiet, appSecret: 's' }).mounted[0]).toBe(fake);
    vi.stubEnv('WECHAT_APP_ID', 'wx_from_env');
    vi.stubEnv('WECHAT_APP_SECRET', 'secret_from_env');
    try {
      expect(createDevMiddleware({ log: () => {} }).mounted[0]).toBe('signing endpoint /api/wechat/signature (WeChat API, appId wx_from_env)');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('with real credentials, signs through the WeChat API and logs its failures, redacted, to log', async () => {
    const wechat = fakeWechat();
    msw.use(wechat.handler);
    const lines: string[] = [];
    const good = createDevMiddleware({ appId: APP_ID, appSecret: APP_SECRET, simulate: false, log: (line) => lines.push(line) });
    const base = await listen(chain(good, (_req, res) => res.end()));
    const url = 'https://h5.example.com/';
    expect((await fetch(`${base}/api/wechat/signature?url=${encodeURIComponent(url)}`)).status).toBe(200);
    expect(lines).toEqual([]);
    server?.close();
    const bad = createDevMiddleware({ appId: APP_ID, appSecret: 'wrong_secret', simulate: false, log: (line) => lines.push(line) });
    const badBase = await listen(chain(bad, (_req, res) => res.end()));
    expect((await fetch(`${badBase}/api/wechat/signature?url=${encodeURIComponent(url)}`)).status).toBe(502);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[wechat-share\] \/cgi-bin\/stable_token failed after \d+ ms: .*40125/);
    expect(lines[0]).not.toContain('wrong_secret');
  });

  it('prints its mounted lines on demand, for dev servers that print nothing (webpack-dev-server, Express)', () => {
    const middleware = createDevMiddleware({ ...quiet, simulate: false });
    const printed: string[] = [];
    middleware.printMounted((line) => printed.push(line));
    expect(printed).toEqual(middleware.mounted.map((line) => `wechat-share: ${line}`));
    const info = vi.spyOn(console, 'info').mockImplementation(() => {});
    try {
      middleware.printMounted();
      expect(info.mock.calls).toEqual(printed.map((line) => [line]));
    } finally {
      info.mockRestore();
    }
  });

  it('refuses production even without the simulator, saying why', () => {
    vi.stubEnv('NODE_ENV', 'production');
    try {
      expect(() => createDevMiddleware({ ...quiet, simulate: false })).toThrow(
        'createDevMiddleware: a development tool (it verifies signatures for anyone); it refuses to run with NODE_ENV=production. Mount createSignatureHandler in production.',
      );
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

