// @vitest-environment node
// Issue 16, item 4: the development tools answer this machine only (unless allowRemote), and refuse
// NODE_ENV production however it is written. Tests may contact loopback addresses only (and CI may
// have no other interface), so every socket here goes to 127.0.0.1 or ::1. A client on "another
// machine" is then a real loopback request that a proxy or tunnel says it forwarded from elsewhere
// (X-Forwarded-For, Forwarded, X-Real-IP), which the tools treat as remote exactly like a LAN peer;
// how a socket's own peer address is classified is the isLocalClient table below, and the one path
// that reads req.socket.remoteAddress itself has its own socket-less test.
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createViteServer, type ViteDevServer } from 'vite';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { isLocalClient } from '../../src/dev/isLocalClient';
import { isProduction } from '../../src/dev/isProduction';
import { wechatShare } from '../../src/dev/vite/index';
import { createDevMiddleware, createVerifyHandler } from '../../src/dev/index';
import { jsapiSignature } from '../../src/server/index';

const hostOf = (address: string) => (address.includes(':') ? `[${address}]` : address);
const HTML = { accept: 'text/html' };
const PAGE = '<html><head><title>t</title></head><body></body></html>';
// A loopback request that a tunnel or proxy forwarded from a phone on the LAN, in each header's words.
const FROM_LAN: Record<string, string>[] = [
  { 'x-forwarded-for': '192.0.2.2' },
  { forwarded: 'for=192.0.2.2;proto=http' },
  { 'x-real-ip': '192.0.2.2' },
  { forwarded: 'for="[fd00::2]:51234"' },
];
const REMOTE = FROM_LAN[0];

let servers: Server[] = [];
afterEach(() => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
  servers = [];
});
// On loopback only: nothing outside this machine can reach the server, and the test reaches nothing else.
async function listen(listener: RequestListener, host = '127.0.0.1'): Promise<number> {
  const server = createServer(listener).listen(0, host);
  servers.push(server);
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
const FORWARDED_REFUSAL = 'a proxy or tunnel forwarded this request from another machine';
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
    // Unknown connection (null): not this machine, whatever the headers say (they can be forged).
    expect(isLocalClient(null, none)).toBe(false);
    expect(isLocalClient(null, headers({ 'x-forwarded-for': '127.0.0.1' }))).toBe(false);
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

describe('createDevMiddleware, with a loopback client that a tunnel forwarded from a phone on the LAN', () => {
  it.each(FROM_LAN)('answers %j a plain 403 saying how to allow it on each of its paths, and leaves its pages without the simulator', async (remote) => {
    const port = await listen(withPage(createDevMiddleware(quiet)));
    for (const path of [SIGN, '/__wechat-share/simulator.js', '/__wechat-share/verify']) {
      const answer = await get('127.0.0.1', port, path, remote);
      expect(answer.status).toBe(403);
      expect(answer.type).toBe('text/plain; charset=utf-8');
      expect(answer.body).toMatch(REFUSAL);
      expect(answer.body).toContain(FORWARDED_REFUSAL);
    }
    expect((await get('127.0.0.1', port, '/__wechat-share/verify', { ...remote, 'content-type': 'application/json' }, 'POST', '{}')).status).toBe(403);
    // The page itself is the app's: it passes, untouched.
    expect(await get('127.0.0.1', port, '/', { ...HTML, ...remote })).toMatchObject({ status: 200, body: PAGE });
    // The same server answers this machine, and a local proxy forwarding a local client.
    expect((await get('127.0.0.1', port, SIGN)).status).toBe(200);
    expect((await get('127.0.0.1', port, '/', HTML)).body).toContain('<script src="/__wechat-share/simulator.js"');
    expect((await get('127.0.0.1', port, SIGN, { 'x-forwarded-for': '127.0.0.1' })).status).toBe(200);
  });

  it('answers this machine over IPv6 loopback (::1), and refuses what a proxy forwarded to it', async () => {
    const port = await listen(withPage(createDevMiddleware(quiet)), '::1');
    expect((await get('::1', port, SIGN)).status).toBe(200);
    expect((await get('::1', port, '/', HTML)).body).toContain('<script src="/__wechat-share/simulator.js"');
    const answer = await get('::1', port, SIGN, { forwarded: 'for="[fd00::2]"' });
    expect([answer.status, answer.body]).toEqual([403, expect.stringContaining(FORWARDED_REFUSAL)]);
  });

  it('with allowRemote: true, answers it and puts the simulator into its pages', async () => {
    const middleware = createDevMiddleware({ ...quiet, allowRemote: true });
    expect(middleware.mounted.at(-1)).toBe('clients: any (allowRemote: true)');
    const port = await listen(withPage(middleware));
    for (const remote of FROM_LAN) {
      expect((await get('127.0.0.1', port, SIGN, remote)).status).toBe(200);
      expect((await get('127.0.0.1', port, '/', { ...HTML, ...remote })).body).toContain('<script src="/__wechat-share/simulator.js"');
    }
  });
});

// The middleware reads the connection's own peer (req.socket.remoteAddress) itself, and names it in
// its refusal. A real socket in a test can only come from loopback (tests contact loopback addresses
// only), so this path gets a request object whose socket says it is a LAN peer: no network involved.
// How each address is classified is the isLocalClient table; this checks that the middleware asks it
// about the socket's address and not something else.
describe('createDevMiddleware, given a request whose socket peer is another machine', () => {
  const request = (path: string, remoteAddress: string) =>
    ({ url: path, method: 'GET', headers: { accept: 'text/html' }, socket: { remoteAddress } }) as unknown as IncomingMessage;
  function response() {
    const sent: { status?: number; headers?: Record<string, string>; body?: string } = {};
    const res = {
      writeHead(status: number, headers: Record<string, string>) {
        Object.assign(sent, { status, headers });
        return res;
      },
      end(body: string) {
        sent.body = body;
        return res;
      },
    };
    return { res: res as unknown as ServerResponse, sent };
  }

  it.each(['::ffff:192.0.2.2', '192.0.2.2', 'fd00::2'])('refuses %s on each of its paths, naming it, and leaves its pages alone', (address) => {
    const middleware = createDevMiddleware(quiet);
    for (const path of [SIGN, '/__wechat-share/simulator.js', '/__wechat-share/verify']) {
      const { res, sent } = response();
      const next = vi.fn();
      middleware(request(path, address), res, next);
      expect(next).not.toHaveBeenCalled();
      expect(sent).toMatchObject({ status: 403, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
      expect(sent.body).toMatch(REFUSAL);
      expect(sent.body).toContain(`; ${address} is not this machine.`);
    }
    const page = request('/', address);
    expect(middleware.allowsClient(page)).toBe(false);
    const { res } = response();
    const { writeHead, end } = res;
    const next = vi.fn();
    middleware(page, res, next);
    // Passed on to the app with its response untouched: no simulator to be injected.
    expect(next).toHaveBeenCalledOnce();
    expect([res.writeHead, res.end]).toEqual([writeHead, end]);
  });

  it.each(['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'])('takes %s as this machine and injects the simulator into its pages', (address) => {
    const middleware = createDevMiddleware(quiet);
    const page = request('/', address);
    expect(middleware.allowsClient(page)).toBe(true);
    const { res } = response();
    const { writeHead } = res;
    middleware(page, res, () => {});
    expect(res.writeHead).not.toBe(writeHead);
  });

  it('with allowRemote: true, takes it as this machine', () => {
    expect(createDevMiddleware({ ...quiet, allowRemote: true }).allowsClient(request('/', '192.0.2.2'))).toBe(true);
  });
});

describe('createVerifyHandler, given the client', () => {
  const TICKET = 'ticket';
  const url = 'https://h5.example.com/';
  const body = JSON.stringify({ url, appId: 'wx1', nonceStr: 'n', timestamp: 1, signature: jsapiSignature({ jsapi_ticket: TICKET, noncestr: 'n', timestamp: 1, url }) });
  // The handler behind node:http, given the (loopback) socket as its client.
  const mount = (verify: ReturnType<typeof createVerifyHandler>): RequestListener => async (req, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    const response = await verify(new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers: req.headers as Record<string, string>, body: text || undefined }), req.socket);
    res.writeHead(response.status, Object.fromEntries(response.headers)).end(await response.text());
  };

  it('answers this machine, and refuses another one with a plain 403 unless allowRemote', async () => {
    const port = await listen(mount(createVerifyHandler({ appId: 'wx1', jsapiTicket: TICKET })));
    const post = (headers: Record<string, string> = {}) => get('127.0.0.1', port, '/__wechat-share/verify', { ...headers, 'content-type': 'application/json' }, 'POST', body);
    expect(await post()).toMatchObject({ status: 200, body: JSON.stringify({ ok: true, expectedUrl: url }) });
    for (const remote of FROM_LAN) {
      const refused = await post(remote);
      expect(refused).toMatchObject({ status: 403, type: 'text/plain; charset=utf-8' });
      expect(refused.body).toMatch(new RegExp(`^wechat-share: createVerifyHandler is a development tool .*${FORWARDED_REFUSAL}\\. To let other devices in`));
    }
    const open = await listen(mount(createVerifyHandler({ appId: 'wx1', jsapiTicket: TICKET, allowRemote: true })));
    for (const remote of FROM_LAN) {
      expect((await get('127.0.0.1', open, '/__wechat-share/verify', { ...remote, 'content-type': 'application/json' }, 'POST', body)).status).toBe(200);
    }
  });

  // As for the middleware: a LAN peer cannot be a real socket here, so the client is the object the
  // handler reads remoteAddress from.
  it('refuses a client whose connection is another machine, naming it, unless allowRemote', async () => {
    const request = () => new Request('http://localhost/__wechat-share/verify', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    for (const remoteAddress of ['::ffff:192.0.2.2', 'fd00::2']) {
      const refused = await createVerifyHandler({ appId: 'wx1', jsapiTicket: TICKET })(request(), { remoteAddress });
      expect([refused.status, await refused.text()]).toEqual([403, expect.stringContaining(`; ${remoteAddress} is not this machine. To let other devices in`)]);
      expect((await createVerifyHandler({ appId: 'wx1', jsapiTicket: TICKET, allowRemote: true })(request(), { remoteAddress })).status).toBe(200);
    }
    expect((await createVerifyHandler({ appId: 'wx1', jsapiTicket: TICKET })(request(), { remoteAddress: '::1' })).status).toBe(200);
  });
});

describe('createVerifyHandler without a client', () => {
  // Next.js route handlers see no connection; a LAN client could forge X-Forwarded-For: 127.0.0.1.
  it('refuses an unknown client, whatever its headers, unless allowRemote; a framework\'s own second argument counts as unknown', async () => {
    const verify = createVerifyHandler({ appId: 'wx1', jsapiTicket: 't' });
    const request = (headers: Record<string, string> = {}) => new Request('http://localhost/v', { method: 'POST', headers, body: '{}' });
    expect((await verify(request())).status).toBe(403);
    expect((await verify(request(), { params: {} } as never)).status).toBe(403);
    expect((await verify(request({ 'x-forwarded-for': '127.0.0.1' }))).status).toBe(403);
    expect((await verify(request(), { remoteAddress: '192.0.2.9' })).status).toBe(403);
    expect((await verify(request(), { remoteAddress: '127.0.0.1' })).status).toBe(400);
    const open = createVerifyHandler({ appId: 'wx1', jsapiTicket: 't', allowRemote: true });
    expect((await open(request())).status).toBe(400);
  });
});

describe('the Vite plugin', () => {
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
      server: { host: '127.0.0.1', port: 0, hmr: false, ws: false },
    });
    await vite.listen();
    return (vite.httpServer!.address() as AddressInfo).port;
  }

  it('puts the simulator into pages for this machine only, and refuses its paths to another', async () => {
    const port = await start();
    const local = await get('127.0.0.1', port, '/', HTML);
    expect(local.body).toContain('<script src="/__wechat-share/simulator.js" data-verify="/__wechat-share/verify"></script>');
    const remote = await get('127.0.0.1', port, '/', { ...HTML, ...REMOTE });
    expect(remote.status).toBe(200);
    expect(remote.body).toContain('<title>t</title>');
    expect(remote.body).not.toContain('__wechat-share');
    expect((await get('127.0.0.1', port, SIGN, REMOTE)).status).toBe(403);
    expect((await get('127.0.0.1', port, '/__wechat-share/simulator.js', REMOTE)).status).toBe(403);
  });

  it('with allowRemote: true, serves another machine as this one', async () => {
    const port = await start(true);
    expect((await get('127.0.0.1', port, '/', { ...HTML, ...REMOTE })).body).toContain('<script src="/__wechat-share/simulator.js"');
    expect((await get('127.0.0.1', port, SIGN, REMOTE)).status).toBe(200);
  });
});
