// @vitest-environment node
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createSignatureHandler, createSigner, jsapiSignature, toNodeHandler } from '../../src/server/index';
import { server } from '../helpers/msw';
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
});
