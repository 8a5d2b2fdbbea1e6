// @vitest-environment node
import { describe, expect, it, vi } from 'vitest';
import { createVerifyHandler, verifyConfig } from '../../src/dev/index';
import { jsapiSignature } from '../../src/server/index';

// The verify handler answers this machine only: these requests come from a loopback peer, as
// toNodeHandler passes it (test/dev/remoteClients.test.ts covers the others).
const onThisMachine = (options: Parameters<typeof createVerifyHandler>[0]) => {
  const verify = createVerifyHandler(options);
  return (request: Request) => verify(request, { remoteAddress: '127.0.0.1' });
};

const TICKET = 'ticket-1';
const sign = (url: string) => ({ url, appId: 'wx1', nonceStr: 'n', timestamp: 100, signature: jsapiSignature({ jsapi_ticket: TICKET, noncestr: 'n', timestamp: 100, url }) });
const options = { appId: 'wx1', jsapi_ticket: TICKET };

describe('verifyConfig', () => {
  it('passes a signature for the URL checked, hash ignored', () => {
    expect(verifyConfig({ ...sign('https://h5.example.com/a'), url: 'https://h5.example.com/a#x' }, options)).toEqual({ ok: true, expectedUrl: 'https://h5.example.com/a' });
  });

  it('says which URL was signed when it is not the one checked', () => {
    const signed = sign('https://h5.example.com/entry');
    const result = verifyConfig({ ...signed, url: 'https://h5.example.com/later' }, { ...options, signedUrlOf: (s) => (s === signed.signature ? signed.url : undefined) });
    expect(result).toMatchObject({ ok: false, errMsg: 'invalid signature', expectedUrl: 'https://h5.example.com/later', signedUrl: 'https://h5.example.com/entry' });
  });

  it('refuses another appId, whose ticket would not match', () => {
    expect(verifyConfig({ ...sign('https://h5.example.com/'), appId: 'wx2' }, options)).toMatchObject({ ok: false, errMsg: 'invalid signature', reason: expect.stringContaining('wx2') });
  });

  it('enforces the JS safe domains, subdomains included', () => {
    const domains = { ...options, jsSafeDomains: ['example.com'] };
    expect(verifyConfig(sign('https://h5.example.com/'), domains).ok).toBe(true);
    expect(verifyConfig(sign('https://example.com.evil.net/'), domains)).toMatchObject({ ok: false, errMsg: 'invalid url domain' });
    expect(verifyConfig(sign('not a url'), domains)).toMatchObject({ ok: false, errMsg: 'invalid url domain' });
  });

  it('accepts any of several JS safe domains, and says why it refuses, in plain words', () => {
    const two = { ...options, jsSafeDomains: ['other.org', 'example.com'] };
    expect(verifyConfig(sign('https://h5.example.com/'), two).ok).toBe(true);
    expect(verifyConfig(sign('https://evil.net/'), two).reason).toBe('evil.net is not a JS safe domain (other.org, example.com)');
    expect(verifyConfig(sign('not a url'), two).reason).toBe('not a url is not a URL');
    expect(verifyConfig({ ...sign('https://h5.example.com/'), appId: 'wx2' }, options).reason).toBe('appId wx2 is not wx1, whose jsapi_ticket checks the signature');
    expect(verifyConfig({ ...sign('https://h5.example.com/'), nonceStr: 'other' }, options).reason).toBe(
      'the signature is not for https://h5.example.com/ with this nonceStr, timestamp and jsapi_ticket',
    );
  });
});

describe('createVerifyHandler', () => {
  const post = (body: unknown) => new Request('http://localhost/__wechat-share/verify', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const url = 'https://h5.example.com/page';
  const TICKET_ = 'sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg';
  const good = { url, appId: 'wx1', nonceStr: 'n', timestamp: 1, signature: jsapiSignature({ jsapi_ticket: TICKET_, noncestr: 'n', timestamp: 1, url }) };

  it('answers the verdict of verifyConfig with a fixed ticket or a signer\'s', async () => {
    const fixed = onThisMachine({ appId: 'wx1', jsapiTicket: TICKET_, jsSafeDomains: ['example.com'] });
    expect(await (await fixed(post(good))).json()).toEqual({ ok: true, expectedUrl: url });
    const viaSigner = onThisMachine({ appId: 'wx1', signer: { getJsapiTicket: async () => TICKET_ }, signedUrlOf: () => 'https://h5.example.com/other' });
    expect(await (await viaSigner(post({ ...good, url: 'https://h5.example.com/moved' }))).json()).toMatchObject({
      ok: false, errMsg: 'invalid signature', expectedUrl: 'https://h5.example.com/moved', signedUrl: 'https://h5.example.com/other',
    });
    expect(await (await fixed(post({ ...good, url: 'https://evil.example.net/' }))).json()).toMatchObject({ ok: false, errMsg: 'invalid url domain' });
  });

  it('answers 405, 400 and 502 with a code, and no ticket', async () => {
    const handler = onThisMachine({ appId: 'wx1', jsapiTicket: TICKET_ });
    expect((await handler(new Request('http://localhost/v'))).status).toBe(405);
    for (const body of [null, {}, { ...good, timestamp: 'soon' }, { ...good, signature: 7 }]) {
      const response = await handler(post(body));
      expect(response.status).toBe(400);
      expect((await response.json()).error.code).toBe('INVALID_REQUEST');
    }
    const broken = onThisMachine({ appId: 'wx1', signer: { getJsapiTicket: () => Promise.reject(new Error(`no ${TICKET_}`)) } });
    const response = await broken(post(good));
    expect(response.status).toBe(502);
    expect(await response.text()).not.toContain(TICKET_);
  });

  it('refuses to be created, or to answer, under NODE_ENV=production, and needs a ticket source', async () => {
    expect(() => onThisMachine({ appId: 'wx1' })).toThrow(/jsapiTicket or signer/);
    const handler = onThisMachine({ appId: 'wx1', jsapiTicket: TICKET_ });
    vi.stubEnv('NODE_ENV', 'production');
    try {
      expect(() => onThisMachine({ appId: 'wx1', jsapiTicket: TICKET_ })).toThrow(/development only/);
      expect((await handler(post(good))).status).toBe(404);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('says exactly what went wrong, never cached, and checks each field\'s length', async () => {
    const handler = onThisMachine({ appId: 'wx1', jsapiTicket: TICKET_ });
    const answer = async (request: Request) => {
      const response = await handler(request);
      return { status: response.status, type: response.headers.get('content-type'), cache: response.headers.get('cache-control'), body: await response.json() };
    };
    const json = 'application/json; charset=utf-8';
    expect(await answer(new Request('http://localhost/v'))).toEqual({ status: 405, type: json, cache: 'no-store', body: { error: { code: 'METHOD_NOT_ALLOWED', message: 'POST a JSON VerifyRequest.' } } });
    const invalid = { status: 400, type: json, cache: 'no-store', body: { error: { code: 'INVALID_REQUEST', message: "Send JSON { url, appId, nonceStr, timestamp, signature }, and for WeCom platform: 'wecom', kind: 'corp' or 'agent', agentId." } } };
    expect(await answer(post({ ...good, nonceStr: '' }))).toEqual(invalid);
    expect(await answer(post({ ...good, url: `${url}?${'a'.repeat(4096)}` }))).toEqual(invalid);
    expect(await answer(new Request('http://localhost/v', { method: 'POST', body: 'not json' }))).toEqual(invalid);
    // 4096 characters is still a field.
    expect((await answer(post({ ...good, nonceStr: 'n'.repeat(4096) }))).status).toBe(200);
    expect(await answer(post(good))).toMatchObject({ status: 200, type: json, cache: 'no-store' });
    const broken = onThisMachine({ appId: 'wx1', signer: { getJsapiTicket: () => Promise.reject(new Error('down')) } });
    const response = await broken(post(good));
    expect(await response.json()).toEqual({ error: { code: 'TICKET_UNAVAILABLE', message: 'The signer has no jsapi_ticket: see its onError log.' } });
    vi.stubEnv('NODE_ENV', 'production');
    try {
      expect(await answer(post(good))).toEqual({ status: 404, type: json, cache: 'no-store', body: { error: { code: 'NOT_FOUND', message: 'Not available in production.' } } });
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it.each([undefined, '', 42])('refuses appId %j, naming it', (appId) => {
    expect(() => onThisMachine({ appId, jsapiTicket: TICKET_ } as never)).toThrow('createVerifyHandler: appId is required.');
  });
});

describe('createVerifyHandler and CORS (allowedOrigins)', () => {
  const TICKET_ = 'ticket';
  const url = 'https://h5.example.com/page';
  const good = JSON.stringify({ url, appId: 'wx1', nonceStr: 'n', timestamp: 1, signature: jsapiSignature({ jsapi_ticket: TICKET_, noncestr: 'n', timestamp: 1, url }) });
  const from = (origin: string, method = 'POST') =>
    new Request('http://localhost:3000/__wechat-share/verify', { method, headers: { origin, 'content-type': 'application/json' }, body: method === 'POST' ? good : undefined });
  const cors = (response: Response) => ({
    origin: response.headers.get('access-control-allow-origin'),
    vary: response.headers.get('vary'),
    methods: response.headers.get('access-control-allow-methods'),
  });

  it('lets a page on an allowed origin read the verdict, and answers its preflight', async () => {
    const handler = onThisMachine({ appId: 'wx1', jsapiTicket: TICKET_, allowedOrigins: ['http://localhost:5173'] });
    const answer = await handler(from('http://localhost:5173'));
    expect(answer.status).toBe(200);
    expect(cors(answer)).toEqual({ origin: 'http://localhost:5173', vary: 'Origin', methods: null });
    const preflight = await handler(from('http://localhost:5173', 'OPTIONS'));
    expect(preflight.status).toBe(204);
    // The signing endpoint's CORS rule (corsHeaders), whose preflight also names its GET.
    expect(cors(preflight)).toEqual({ origin: 'http://localhost:5173', vary: 'Origin', methods: 'GET, POST, OPTIONS' });
    expect(preflight.headers.get('access-control-allow-headers')).toBe('Content-Type');
    // Its errors are readable too.
    const wrong = await handler(from('http://localhost:5173', 'GET'));
    expect([wrong.status, cors(wrong).origin, wrong.headers.get('allow')]).toEqual([405, 'http://localhost:5173', 'POST, OPTIONS']);
  });

  it('sends no CORS headers to another origin, nor without allowedOrigins; * allows any', async () => {
    const handler = onThisMachine({ appId: 'wx1', jsapiTicket: TICKET_, allowedOrigins: ['http://localhost:5173'] });
    expect(cors(await handler(from('http://evil.example')))).toEqual({ origin: null, vary: null, methods: null });
    expect(cors(await handler(from('http://evil.example', 'OPTIONS')))).toEqual({ origin: null, vary: null, methods: null });
    const none = onThisMachine({ appId: 'wx1', jsapiTicket: TICKET_ });
    expect(cors(await none(from('http://localhost:5173')))).toEqual({ origin: null, vary: null, methods: null });
    const any = onThisMachine({ appId: 'wx1', jsapiTicket: TICKET_, allowedOrigins: ['*'] });
    expect(cors(await any(from('http://localhost:5173'))).origin).toBe('*');
  });
});
