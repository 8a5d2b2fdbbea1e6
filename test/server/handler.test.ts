// @vitest-environment node
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WechatApiError, createSignatureHandler, createSigner, jsapiSignature, toNodeHandler } from '../../src/server/index';
import { server } from '../helpers/msw';
import { rawRequest } from '../helpers/rawRequest';
import { APP_ID, APP_SECRET, fakeWechat } from '../helpers/wechatApi';

const PAGE = 'https://h5.example.com/page?id=1';

function setup(options: Parameters<typeof createSignatureHandler>[1] = {}) {
  const fake = fakeWechat();
  server.use(fake.handler);
  const signer = createSigner({ appId: APP_ID, appSecret: APP_SECRET });
  return { ...fake, signer, handler: createSignatureHandler(signer, options) };
}

const get = (query: string, init: RequestInit = {}) => new Request(`http://localhost/api/wechat/signature${query}`, init);

describe('createSignatureHandler', () => {
  it('GET ?url= answers the four wx.config values, not cached', async () => {
    const { handler, api } = setup();
    const response = await handler(get(`?url=${encodeURIComponent(PAGE + '#frag')}`));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = await response.json();
    expect(Object.keys(body).sort()).toEqual(['appId', 'nonceStr', 'signature', 'timestamp']);
    expect(body.signature).toBe(jsapiSignature({ jsapi_ticket: api.currentTicket()!, noncestr: body.nonceStr, timestamp: body.timestamp, url: PAGE }));
  });

  it('accepts POST as a form or as JSON', async () => {
    const { handler } = setup();
    const form = await handler(new Request('http://localhost/s', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `url=${encodeURIComponent(PAGE)}` }));
    const json = await handler(new Request('http://localhost/s', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: PAGE }) }));
    expect(form.status).toBe(200);
    expect(json.status).toBe(200);
  });

  it.each([
    ['no url', get(''), 400, 'MISSING_URL'],
    ['an empty url', get('?url='), 400, 'MISSING_URL'],
    ['a relative url', get('?url=%2Fpage'), 400, 'INVALID_URL'],
    ['an ftp url', get(`?url=${encodeURIComponent('ftp://h5.example.com/')}`), 400, 'INVALID_URL'],
    ['a javascript: url', get(`?url=${encodeURIComponent('javascript:alert(1)')}`), 400, 'INVALID_URL'],
    ['an over-long url', get(`?url=${encodeURIComponent('https://h5.example.com/?' + 'a'.repeat(4100))}`), 400, 'URL_TOO_LONG'],
    ['broken JSON', new Request('http://localhost/s', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{url:' }), 400, 'MISSING_URL'],
    ['PUT', new Request('http://localhost/s', { method: 'PUT', body: 'x' }), 405, 'METHOD_NOT_ALLOWED'],
    ['DELETE', new Request('http://localhost/s', { method: 'DELETE' }), 405, 'METHOD_NOT_ALLOWED'],
  ])('answers %s with %i %s', async (_, request, status, code) => {
    const { handler, api } = setup();
    const response = await handler(request);
    expect(response.status).toBe(status);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = await response.json();
    expect(body.error.code).toBe(code);
    expect(body.error.message).toEqual(expect.any(String));
    expect(api.calls).toEqual({ stableToken: 0, token: 0, ticket: 0 });
  });

  it.each([
    ['no url', get(''), 400, { code: 'MISSING_URL', message: 'Send the page URL as url= (location.href.split("#")[0], encoded).' }],
    ['JSON whose url is not a string', new Request('http://localhost/s', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"url":42}' }), 400, { code: 'MISSING_URL', message: 'Send the page URL as url= (location.href.split("#")[0], encoded).' }],
    ['JSON null', new Request('http://localhost/s', { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'null' }), 400, { code: 'MISSING_URL', message: 'Send the page URL as url= (location.href.split("#")[0], encoded).' }],
    ['an over-long url', get(`?url=${encodeURIComponent('https://h5.example.com/?' + 'a'.repeat(4100))}`), 400, { code: 'URL_TOO_LONG', message: 'The URL has 4124 characters; at most 4096 are accepted.' }],
    ['a relative url', get('?url=%2Fpage'), 400, { code: 'INVALID_URL', message: 'The URL must be absolute http or https, such as https://h5.example.com/page.' }],
    ['a url not in its serialized form', get(`?url=${encodeURIComponent('https://H5.example.com?a=1')}`), 400, { code: 'INVALID_URL', message: 'Send the URL exactly as location.href gives it: https://h5.example.com/?a=1' }],
    ['PUT', new Request('http://localhost/s', { method: 'PUT', body: 'x' }), 405, { code: 'METHOD_NOT_ALLOWED', message: 'Use GET ?url= or POST url=, not PUT.' }],
  ])('says exactly what to fix for %s', async (_, request, status, error) => {
    const { handler } = setup({ allowedHosts: ['h5.example.com'] });
    const response = await handler(request);
    expect([response.status, await response.json()]).toEqual([status, { error }]);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    if (status === 405) expect(response.headers.get('allow')).toBe('GET, HEAD, POST, OPTIONS');
  });

  it('names a host it does not sign for, and answers 500 without details when the signer itself throws', async () => {
    const { handler } = setup({ allowedHosts: ['h5.example.com'] });
    const refused = await handler(get(`?url=${encodeURIComponent('https://evil.example.net/')}`));
    expect([refused.status, await refused.json()]).toEqual([403, { error: { code: 'HOST_NOT_ALLOWED', message: 'evil.example.net is not in allowedHosts.' } }]);
    const broken = createSignatureHandler({ sign: () => Promise.reject(new Error('store exploded with secret xyz')) } as never);
    const response = await broken(get(`?url=${encodeURIComponent(PAGE)}`));
    expect([response.status, await response.json()]).toEqual([500, { error: { code: 'INTERNAL_ERROR', message: 'Signing failed: the store or the signer threw.' } }]);
  });

  it('says which WeChat API failed and how, with the checklist hint', async () => {
    const { handler, api } = setup();
    api.failNext('ticket', 40164, 'invalid ip 1.2.3.4, not in whitelist');
    const response = await handler(get(`?url=${encodeURIComponent(PAGE)}`));
    const body = await response.json();
    expect(body.error.message).toBe('WeChat API /cgi-bin/ticket/getticket answered errcode 40164; the signing server logs the details.');
    expect(body.error.hint).toMatch(/IP whitelist/);
    const silent = createSignatureHandler({ sign: () => Promise.reject(new WechatApiError('/cgi-bin/stable_token', 'timed out')) } as never);
    const quiet = await (await silent(get(`?url=${encodeURIComponent(PAGE)}`))).json();
    expect(quiet.error.message).toBe('WeChat API /cgi-bin/stable_token gave no usable answer; the signing server logs the details.');
    expect(quiet.error).not.toHaveProperty('errcode');
  });

  it('answers a preflight with the methods and headers the SDK uses, cached 10 minutes', async () => {
    const { handler } = setup({ allowedOrigins: ['*'] });
    const preflight = await handler(new Request('http://localhost/s', { method: 'OPTIONS', headers: { origin: 'https://a.example' } }));
    expect(Object.fromEntries([...preflight.headers].filter(([name]) => name.startsWith('access-control')))).toEqual({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-allow-headers': 'Content-Type',
      'access-control-max-age': '600',
    });
  });

  it('accepts a URL of exactly 4096 characters', async () => {
    const { handler } = setup();
    const url = 'https://h5.example.com/?' + 'a'.repeat(4096 - 24);
    expect(url).toHaveLength(4096);
    expect((await handler(get(`?url=${encodeURIComponent(url)}`))).status).toBe(200);
  });

  it('signs only allowedHosts, with *. for subdomains', async () => {
    const { handler } = setup({ allowedHosts: ['h5.example.com', '*.shop.example.com'] });
    const status = async (url: string) => (await handler(get(`?url=${encodeURIComponent(url)}`))).status;
    expect(await status(PAGE)).toBe(200);
    expect(await status('https://m.shop.example.com/')).toBe(200);
    expect(await status('https://evil.example.net/')).toBe(403);
    expect(await status('https://h5.example.com.evil.net/')).toBe(403);
    expect(await status('https://shop.example.com.evil.net/')).toBe(403);
  });

  it('answers CORS for allowedOrigins only', async () => {
    const { handler } = setup({ allowedOrigins: ['https://h5.example.com'] });
    const preflight = await handler(new Request('http://localhost/s', { method: 'OPTIONS', headers: { origin: 'https://h5.example.com' } }));
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://h5.example.com');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    // The answer depends on Origin: caches must key on it.
    expect(preflight.headers.get('vary')).toBe('Origin');
    const allowed = await handler(get(`?url=${encodeURIComponent(PAGE)}`, { headers: { origin: 'https://h5.example.com' } }));
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://h5.example.com');
    expect(allowed.headers.get('vary')).toBe('Origin');
    const other = await handler(get(`?url=${encodeURIComponent(PAGE)}`, { headers: { origin: 'https://evil.example.net' } }));
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const none = await setup().handler(new Request('http://localhost/s', { method: 'OPTIONS', headers: { origin: 'https://h5.example.com' } }));
    expect(none.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers 502 with the errcode for WeChat failures, and no secret anywhere', async () => {
    const bodies: string[] = [];
    const secrets: string[] = [APP_SECRET];
    for (const errcode of [45009, 40164, 40125]) {
      // A signer each: after a failure, the same signer backs off and repeats its last error.
      const { handler, api, signer } = setup();
      secrets.push(await signer.getAccessToken());
      api.failNext('ticket', errcode, 'refused');
      const response = await handler(get(`?url=${encodeURIComponent(PAGE)}`));
      expect(response.status).toBe(502);
      const body = await response.json();
      expect(body.error).toMatchObject({ code: 'WECHAT_API_ERROR', errcode });
      bodies.push(JSON.stringify(body), JSON.stringify([...response.headers]));
    }
    const { handler, api } = setup();
    const ok = await handler(get(`?url=${encodeURIComponent(PAGE)}`));
    bodies.push(await ok.text());
    for (const secret of [...secrets, api.currentTicket()!]) {
      for (const body of bodies) expect(body).not.toContain(secret);
    }
  });
});

describe('toNodeHandler', () => {
  let http: Server | undefined;
  afterEach(() => {
    http?.close();
    http = undefined;
  });

  async function listen(handle: Parameters<typeof createServer>[1]) {
    http = createServer(handle).listen(0, '127.0.0.1');
    await once(http, 'listening');
    return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  }

  it('serves the handler on node:http, GET and POST', async () => {
    const { handler } = setup();
    const base = await listen(toNodeHandler(handler));
    const got = await fetch(`${base}/api/wechat/signature?url=${encodeURIComponent(PAGE)}`);
    expect(got.status).toBe(200);
    expect(got.headers.get('cache-control')).toBe('no-store');
    const posted = await fetch(`${base}/api/wechat/signature`, { method: 'POST', body: new URLSearchParams({ url: PAGE }) });
    expect(posted.status).toBe(200);
    expect((await fetch(`${base}/x`, { method: 'PATCH' })).status).toBe(405);
  });

  it('answers 413 to a body past 64 KiB instead of buffering it', async () => {
    const { handler } = setup();
    const base = await listen(toNodeHandler(handler));
    const response = await fetch(base, { method: 'POST', body: 'url=' + 'a'.repeat(70 * 1024) });
    expect(response.status).toBe(413);
    expect((await response.json()).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  // A client that writes its whole body before reading (curl, most HTTP libraries) got EPIPE and no
  // answer when the adapter closed the connection at 64 KiB: the rest is now read and dropped first.
  it('answers a 5 MB POST over a real socket with its 413 and body, the connection ending cleanly', async () => {
    const { handler, api } = setup();
    const base = await listen(toNodeHandler(handler));
    const port = Number(new URL(base).port);
    const answer = await rawRequest(port, 'POST /api/wechat/signature HTTP/1.1\r\nHost: h5.example.com\r\nContent-Type: application/x-www-form-urlencoded', Buffer.alloc(5 * 1024 * 1024, 'u'));
    expect(answer).toEqual({
      status: 413,
      headers: expect.objectContaining({ 'content-type': 'application/json; charset=utf-8', connection: 'close' }),
      body: JSON.stringify({ error: { code: 'PAYLOAD_TOO_LARGE', message: 'The body passes 65536 bytes.' } }),
    });
    expect(api.calls).toEqual({ stableToken: 0, token: 0, ticket: 0 });
  });

  it('answers HEAD as GET, without the body', async () => {
    const { handler } = setup();
    const base = await listen(toNodeHandler(handler));
    const head = await rawRequest(Number(new URL(base).port), `HEAD /api/wechat/signature?url=${encodeURIComponent(PAGE)} HTTP/1.1\r\nHost: h5.example.com`);
    expect([head.status, head.headers['content-type'], head.headers['cache-control'], head.body]).toEqual([200, 'application/json; charset=utf-8', 'no-store', '']);
    const missing = await handler(new Request('http://localhost/s', { method: 'HEAD' }));
    expect([missing.status, missing.body]).toEqual([400, null]);
  });

  it('uses a body that a framework already parsed (Express with express.json())', async () => {
    const { handler } = setup();
    const node = toNodeHandler(handler);
    const base = await listen((req, res) => {
      // What express.json() leaves behind: the stream consumed, req.body an object.
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        (req as unknown as { body: unknown }).body = JSON.parse(raw);
        node(req, res);
      });
    });
    const response = await fetch(base, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: PAGE }) });
    expect(response.status).toBe(200);
    expect(Object.keys(await response.json()).sort()).toEqual(['appId', 'nonceStr', 'signature', 'timestamp']);
  });

  // A request as node:http hands it over (a readable stream with headers), and a response that
  // records what was written: the adapter's own answers, exactly.
  function exchange(handler: (request: Request) => Promise<Response>, init: { method?: string; url?: string; originalUrl?: string; host?: string; chunks?: (string | Error)[]; parsed?: { body: unknown; _body?: boolean } }) {
    const req = Readable.from((async function* () {
      for (const chunk of init.chunks ?? []) {
        if (chunk instanceof Error) throw chunk;
        yield Buffer.from(chunk);
      }
    })()) as unknown as IncomingMessage & Record<string, unknown>;
    Object.assign(req, { method: init.method ?? 'POST', url: init.url ?? '/s', headers: { host: init.host ?? 'h5.example.com' } });
    if (init.originalUrl) req.originalUrl = init.originalUrl;
    if (init.parsed) Object.assign(req, init.parsed);
    // A parser that read the stream leaves it ended.
    if (init.parsed?._body) req.resume();
    return new Promise<{ status: number; headers: Record<string, string>; body: string }>((resolve) => {
      const res = {
        headersSent: false,
        status: 0,
        headers: {} as Record<string, string>,
        writeHead(status: number, headers: Record<string, string>) {
          Object.assign(this, { status, headers, headersSent: true });
        },
        end(body: Buffer | string) {
          resolve({ status: this.status, headers: this.headers, body: String(body) });
        },
      };
      toNodeHandler(handler)(req, res as unknown as ServerResponse);
    });
  }
  const echo = async (request: Request) => Response.json({ url: request.url, body: await request.text(), type: request.headers.get('content-type') });

  it('answers a bad Host 400, a large body 413, and an unreadable request 500, each with its own message', async () => {
    const errorHeaders = { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'close' };
    expect(await exchange(echo, { host: 'bad host' })).toEqual({ status: 400, headers: errorHeaders, body: JSON.stringify({ error: { code: 'BAD_REQUEST', message: 'The Host header or the request path is not valid.' } }) });
    expect(await exchange(echo, { chunks: ['a'.repeat(40 * 1024), 'b'.repeat(30 * 1024)] })).toEqual({ status: 413, headers: errorHeaders, body: JSON.stringify({ error: { code: 'PAYLOAD_TOO_LARGE', message: 'The body passes 65536 bytes.' } }) });
    expect(await exchange(echo, { chunks: ['url=', new Error('aborted')] })).toEqual({ status: 500, headers: errorHeaders, body: JSON.stringify({ error: { code: 'INTERNAL_ERROR', message: 'The request could not be read.' } }) });
  });

  it('reads a body of exactly 64 KiB, and uses the full path an Express router was mounted at', async () => {
    const full = await exchange(echo, { chunks: ['x'.repeat(64 * 1024)] });
    expect(full.status).toBe(200);
    expect(JSON.parse(full.body).body).toHaveLength(64 * 1024);
    const mounted = await exchange(echo, { method: 'GET', url: '/signature?url=1', originalUrl: '/api/wechat/signature?url=1' });
    expect(JSON.parse(mounted.body).url).toBe('http://h5.example.com/api/wechat/signature?url=1');
  });

  it('passes a body a parser left as a string or a Buffer as it is, an object as JSON, and says what to do about none', async () => {
    const body = async (parsed: { body: unknown; _body?: boolean }) => JSON.parse((await exchange(echo, { parsed: { _body: true, ...parsed } })).body);
    expect(await body({ body: 'url=a' })).toMatchObject({ body: 'url=a', type: 'text/plain;charset=UTF-8' });
    expect(await body({ body: Buffer.from('url=b') })).toMatchObject({ body: 'url=b' });
    expect(await body({ body: { url: 'c' } })).toMatchObject({ body: '{"url":"c"}', type: 'application/json' });
    const none = await exchange(echo, { parsed: { _body: true, body: undefined } });
    expect([none.status, JSON.parse(none.body)]).toEqual([400, { error: { code: 'MISSING_URL', message: 'A body parser read the request body but left no req.body: in Koa, set ctx.req.body = ctx.request.body first.' } }]);
    // Express 4 sets req.body = {} for a type it skipped, without reading: the stream is read instead.
    const skipped = await exchange(echo, { chunks: ['url=d'], parsed: { body: {} } as never });
    expect(JSON.parse(skipped.body)).toMatchObject({ body: 'url=d' });
  });
});
