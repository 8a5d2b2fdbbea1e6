// @vitest-environment node
// Issue 16, item 4: the development tools answer this machine only (unless allowRemote), and refuse
// NODE_ENV production however it is written. Clients on "another machine" are real: the server
// listens on every interface and the client connects to this machine's own non-loopback address
// (eth0), so the socket's peer is that address, as a phone's on the LAN would be.
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createViteServer, type ViteDevServer } from 'vite';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { isLocalClient } from '../../src/dev/isLocalClient';
import { isProduction } from '../../src/dev/isProduction';
import { wechatShare } from '../../src/dev/vite/index';
import { createDevMiddleware, createVerifyHandler, jsapiSignature } from '../../src/server/index';

const interfaces = Object.values(networkInterfaces()).flat();
const externalV4 = interfaces.find((i) => i && !i.internal && i.family === 'IPv4')?.address;
const externalV6 = interfaces.find((i) => i && !i.internal && i.family === 'IPv6' && !i.address.startsWith('fe80'))?.address;
const hostOf = (address: string) => (address.includes(':') ? `[${address}]` : address);
const HTML = { accept: 'text/html' };
const PAGE = '<html><head><title>t</title></head><body></body></html>';

let server: Server | undefined;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
  server = undefined;
});
// Every interface, IPv4 and IPv6 ('::' is dual-stack): a loopback client then shows as ::ffff:127.0.0.1.
async function listenEverywhere(listener: RequestListener): Promise<number> {
  server = createServer(listener).listen(0, '::');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}
// node:http, so that each header is sent exactly as given.
async function get(address: string, port: number, path: string, headers: Record<string, string> = {}, method = 'GET', body?: string) {
  const req = httpRequest({ host: address, port, path, method, headers: { ...headers, host: `${hostOf(address)}:${port}` } });
  req.end(body);
  const [res] = await once(req, 'response');
  let text = '';
  for await (const chunk of res) text += chunk;
  return { status: res.statusCode as number, type: String(res.headers['content-type']), body: text };
}
const quiet = { log: () => {}, appId: undefined, appSecret: undefined, root: false as const };
const withPage = (middleware: ReturnType<typeof createDevMiddleware>): RequestListener => (req, res) =>
  middleware(req, res, () => res.writeHead(200, { 'Content-Type': 'text/html' }).end(PAGE));
const REFUSAL = /^wechat-share: createDevMiddleware is a development tool and answers this machine \(loopback\) only; .*pass allowRemote: true to createDevMiddleware\(\), wechatShare\(\) or createVerifyHandler\(\)\.$/;
const SIGN = `/api/wechat/signature?url=${encodeURIComponent('https://h5.example.com/')}`;

describe('isLocalClient', () => {
  const none = () => undefined;
  it.each(['127.0.0.1', '127.255.255.254', '127.1.2.3', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', '::FFFF:127.9.9.9'])('%s is this machine', (address) => {
    expect(isLocalClient(address, none)).toBe(true);
  });
  it.each(['192.0.2.2', '128.0.0.1', '127.256.0.1', '127.0.0', '10.127.0.0.1', '::ffff:192.0.2.2', 'fd00::2', '::2', '::', '', 'localhost', undefined])(
    '%j is not',
    (address) => expect(isLocalClient(address, none)).toBe(false),
  );
  it('refuses a loopback connection that a proxy or tunnel forwarded from elsewhere, whatever the header', () => {
    const headers = (h: Record<string, string>) => (name: string) => h[name];
    expect(isLocalClient('127.0.0.1', headers({ 'x-forwarded-for': '203.0.113.9' }))).toBe(false);
    expect(isLocalClient('127.0.0.1', headers({ 'x-forwarded-for': '127.0.0.1, 203.0.113.9' }))).toBe(false);
    expect(isLocalClient('127.0.0.1', headers({ 'x-real-ip': '203.0.113.9' }))).toBe(false);
    expect(isLocalClient('::1', headers({ forwarded: 'for=198.51.100.17;proto=https' }))).toBe(false);
    expect(isLocalClient('::1', headers({ forwarded: 'for="[2001:db8:cafe::17]:4711"' }))).toBe(false);
    expect(isLocalClient('::1', headers({ forwarded: 'for=unknown' }))).toBe(false);
    // A local proxy that forwards a local client is still local.
    expect(isLocalClient('127.0.0.1', headers({ 'x-forwarded-for': '127.0.0.1, ::1', 'x-real-ip': '127.0.0.1' }))).toBe(true);
    expect(isLocalClient('127.0.0.1', headers({ forwarded: 'for="[::1]:5173";proto=http, for=127.0.0.1:80' }))).toBe(true);
    // Unknown connection (null): the headers alone decide.
    expect(isLocalClient(null, none)).toBe(true);
    expect(isLocalClient(null, headers({ 'x-forwarded-for': '203.0.113.9' }))).toBe(false);
  });
});

describe('NODE_ENV', () => {
  afterEach(() => vi.unstubAllEnvs());
  it.each(['production', 'PRODUCTION', 'production ', ' Production\n', 'prod', 'PROD', ' prod '])('%j is production: every dev tool refuses', (value) => {
    vi.stubEnv('NODE_ENV', value);
    expect(isProduction()).toBe(true);
    expect(() => createDevMiddleware(quiet)).toThrow(/refuses to run with NODE_ENV=production/);
    expect(() => createVerifyHandler({ appId: 'wx1', jsapiTicket: 't' })).toThrow(/development only/);
    const plugin = wechatShare(quiet);
    const fakeVite = { config: { logger: { warn() {}, info() {} }, root: '.' }, middlewares: { use() {} }, printUrls() {} };
    expect(() => (plugin.configureServer as (server: unknown) => void)(fakeVite)).toThrow(/refuses to run with NODE_ENV=production/);
  });
  it.each(['', 'development', 'test', 'produktion', 'preproduction', 'production-like'])('%j is not', (value) => {
    vi.stubEnv('NODE_ENV', value);
    expect(isProduction()).toBe(false);
    expect(() => createDevMiddleware(quiet)).not.toThrow();
  });
  it('unset is not', () => {
    vi.stubEnv('NODE_ENV', undefined);
    expect(isProduction()).toBe(false);
  });
});

describe.runIf(externalV4)(`createDevMiddleware, with a client on this machine's own address ${externalV4}`, () => {
  it('answers that client a plain 403 saying how to allow it on each of its paths, and leaves its pages without the simulator', async () => {
    const port = await listenEverywhere(withPage(createDevMiddleware(quiet)));
    for (const path of [SIGN, '/__wechat-share/simulator.js', '/__wechat-share/verify']) {
      const answer = await get(externalV4!, port, path);
      expect(answer.status).toBe(403);
      expect(answer.type).toBe('text/plain; charset=utf-8');
      expect(answer.body).toMatch(REFUSAL);
      expect(answer.body).toContain(`::ffff:${externalV4} is not this machine`);
    }
    expect((await get(externalV4!, port, '/__wechat-share/verify', { 'content-type': 'application/json' }, 'POST', '{}')).status).toBe(403);
    // The page itself is the app's: it passes, untouched.
    expect(await get(externalV4!, port, '/', HTML)).toMatchObject({ status: 200, body: PAGE });
    // The same server answers this machine: through loopback (::ffff:127.0.0.1 on a dual-stack socket) and ::1.
    for (const loopback of ['127.0.0.1', '::1']) {
      expect((await get(loopback, port, SIGN)).status).toBe(200);
      expect((await get(loopback, port, '/', HTML)).body).toContain('<script src="/__wechat-share/simulator.js"');
    }
  });

  it.runIf(externalV6)(`refuses an IPv6 client on ${externalV6} too`, async () => {
    const port = await listenEverywhere(withPage(createDevMiddleware(quiet)));
    const answer = await get(externalV6!, port, SIGN);
    expect([answer.status, answer.body]).toEqual([403, expect.stringContaining(`${externalV6} is not this machine`)]);
  });

  it('with allowRemote: true, answers it and puts the simulator into its pages', async () => {
    const middleware = createDevMiddleware({ ...quiet, allowRemote: true });
    expect(middleware.mounted.at(-1)).toBe('clients: any (allowRemote: true)');
    const port = await listenEverywhere(withPage(middleware));
    expect((await get(externalV4!, port, SIGN)).status).toBe(200);
    expect((await get(externalV4!, port, '/', HTML)).body).toContain('<script src="/__wechat-share/simulator.js"');
  });

  it('refuses a loopback client that a tunnel or proxy forwarded from elsewhere', async () => {
    const middleware = createDevMiddleware(quiet);
    const port = await listenEverywhere(withPage(middleware));
    const forwarded = await get('127.0.0.1', port, SIGN, { 'x-forwarded-for': '203.0.113.9' });
    expect([forwarded.status, forwarded.body]).toEqual([403, expect.stringContaining('a proxy or tunnel forwarded this request from another machine')]);
    expect((await get('127.0.0.1', port, '/', { ...HTML, forwarded: 'for=203.0.113.9' })).body).toBe(PAGE);
    expect((await get('127.0.0.1', port, SIGN, { 'x-forwarded-for': '127.0.0.1' })).status).toBe(200);
  });
});

describe.runIf(externalV4)('createVerifyHandler, given the client', () => {
  const TICKET = 'ticket';
  const url = 'https://h5.example.com/';
  const body = JSON.stringify({ url, appId: 'wx1', nonceStr: 'n', timestamp: 1, signature: jsapiSignature({ jsapi_ticket: TICKET, noncestr: 'n', timestamp: 1, url }) });
  // The handler behind node:http, given the socket as its client.
  const mount = (verify: ReturnType<typeof createVerifyHandler>): RequestListener => async (req, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    const response = await verify(new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers: req.headers as Record<string, string>, body: text || undefined }), req.socket);
    res.writeHead(response.status, Object.fromEntries(response.headers)).end(await response.text());
  };

  it('answers this machine, and refuses another one with a plain 403 unless allowRemote', async () => {
    const port = await listenEverywhere(mount(createVerifyHandler({ appId: 'wx1', jsapiTicket: TICKET })));
    const post = (address: string) => get(address, port, '/__wechat-share/verify', { 'content-type': 'application/json' }, 'POST', body);
    expect(await post('127.0.0.1')).toMatchObject({ status: 200, body: JSON.stringify({ ok: true, expectedUrl: url }) });
    const refused = await post(externalV4!);
    expect(refused).toMatchObject({ status: 403, type: 'text/plain; charset=utf-8' });
    expect(refused.body).toMatch(/^wechat-share: createVerifyHandler is a development tool .* is not this machine\. To let other devices in/);
    server?.close();
    const open = await listenEverywhere(mount(createVerifyHandler({ appId: 'wx1', jsapiTicket: TICKET, allowRemote: true })));
    expect((await get(externalV4!, open, '/__wechat-share/verify', { 'content-type': 'application/json' }, 'POST', body)).status).toBe(200);
  });
});

describe('createVerifyHandler without a client', () => {
  it('goes by the forwarding headers alone, and ignores a framework\'s own second argument', async () => {
    const verify = createVerifyHandler({ appId: 'wx1', jsapiTicket: 't' });
    const request = (headers: Record<string, string> = {}) => new Request('http://localhost/v', { method: 'POST', headers, body: '{}' });
    expect((await verify(request())).status).toBe(400);
    expect((await verify(request(), { params: {} } as never)).status).toBe(400);
    expect((await verify(request({ 'x-forwarded-for': '203.0.113.9' }))).status).toBe(403);
    expect((await verify(request(), { remoteAddress: '192.0.2.9' })).status).toBe(403);
  });
});

describe.runIf(externalV4)('the Vite plugin', () => {
  const root = mkdtempSync(join(tmpdir(), 'wechat-share-vite-'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><html><head><title>t</title></head><body></body></html>');
  let vite: ViteDevServer | undefined;
  afterEach(async () => {
    await vite?.close();
    vite = undefined;
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  async function start(allowRemote?: boolean) {
    vite = await createViteServer({
      root,
      configFile: false,
      logLevel: 'silent',
      plugins: [wechatShare({ log: () => {}, ...(allowRemote && { allowRemote }) })],
      server: { host: '::', port: 0, hmr: false, ws: false },
    });
    await vite.listen();
    return (vite.httpServer!.address() as AddressInfo).port;
  }

  it('puts the simulator into pages for this machine only, and refuses its paths to another', async () => {
    const port = await start();
    const local = await get('127.0.0.1', port, '/', HTML);
    expect(local.body).toContain('<script src="/__wechat-share/simulator.js" data-verify="/__wechat-share/verify"></script>');
    const remote = await get(externalV4!, port, '/', HTML);
    expect(remote.status).toBe(200);
    expect(remote.body).toContain('<title>t</title>');
    expect(remote.body).not.toContain('__wechat-share');
    expect((await get(externalV4!, port, SIGN)).status).toBe(403);
    expect((await get(externalV4!, port, '/__wechat-share/simulator.js')).status).toBe(403);
  });

  it('with allowRemote: true, serves another machine as this one', async () => {
    const port = await start(true);
    expect((await get(externalV4!, port, '/', HTML)).body).toContain('<script src="/__wechat-share/simulator.js"');
    expect((await get(externalV4!, port, SIGN)).status).toBe(200);
  });
});
