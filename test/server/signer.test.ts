// @vitest-environment node
import { afterEach, describe, expect, it, vi } from 'vitest';
import { http, HttpResponse, delay } from 'msw';
import { createNonceStr, createSigner, jsapiSignature, memoryStore, WechatApiError, type WechatErrorEvent } from '../../src/server/index';
import { server } from '../helpers/msw';
import { API, APP_ID, APP_SECRET, fakeWechat, faultyWechat } from '../helpers/wechatApi';

afterEach(() => {
  vi.useRealTimers();
});

describe('jsapiSignature', () => {
  it('matches the official test vector', () => {
    expect(
      jsapiSignature({
        jsapi_ticket: 'sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg',
        noncestr: 'Wm3WZYTPz0wzccnW',
        timestamp: 1414587457,
        url: 'http://mp.weixin.qq.com?params=value',
      }),
    ).toBe('0f9de62fce790f9a083d5c99e95740ceb90c27ed');
  });

  it('drops the hash and nothing else', () => {
    const base = { jsapi_ticket: 't', noncestr: 'n', timestamp: '1' };
    expect(jsapiSignature({ ...base, url: 'https://a.com/p?q=%20#x' })).toBe(jsapiSignature({ ...base, url: 'https://a.com/p?q=%20' }));
    expect(jsapiSignature({ ...base, url: 'https://a.com/p?q=%20' })).not.toBe(jsapiSignature({ ...base, url: 'https://a.com/p?q= ' }));
  });
});

describe('createSigner', () => {
  it('signs with the jsapi ticket: 16-character nonce, whole-second timestamp, hash dropped', async () => {
    const { api, handler } = fakeWechat();
    server.use(handler);
    const signer = createSigner({ appId: APP_ID, appSecret: APP_SECRET });
    const before = Math.floor(Date.now() / 1000);
    const result = await signer.sign('https://h5.example.com/a?b=1#c');
    expect(result.url).toBe('https://h5.example.com/a?b=1');
    expect(result.appId).toBe(APP_ID);
    expect(result.nonceStr).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(Number.isInteger(result.timestamp) && result.timestamp >= before && result.timestamp <= before + 1).toBe(true);
    expect(result.signature).toBe(
      jsapiSignature({ jsapi_ticket: api.currentTicket()!, noncestr: result.nonceStr, timestamp: result.timestamp, url: result.url }),
    );
    const second = await signer.sign('https://h5.example.com/a?b=1');
    expect(second.nonceStr).not.toBe(result.nonceStr);
    expect(api.calls).toEqual({ stableToken: 1, token: 0, ticket: 1 });
  });

  it('signs a URL object as its href, hash dropped, and refuses one that is not http(s)', async () => {
    const { api, handler } = fakeWechat();
    server.use(handler);
    const signer = createSigner({ appId: APP_ID, appSecret: APP_SECRET });
    const result = await signer.sign(new URL('https://H5.example.com/a?b=1#c'));
    expect(result.url).toBe('https://h5.example.com/a?b=1');
    expect(result.signature).toBe(
      jsapiSignature({ jsapi_ticket: api.currentTicket()!, noncestr: result.nonceStr, timestamp: result.timestamp, url: 'https://h5.example.com/a?b=1' }),
    );
    await expect(signer.sign(new URL('ftp://h5.example.com/a'))).rejects.toThrow('sign: expected an absolute http(s) URL, got "ftp://h5.example.com/a"');
    await expect(signer.sign(new URL('javascript:alert(1)'))).rejects.toThrow(TypeError);
    // A URL of another realm (jsdom's, a polyfill) fails instanceof URL and is read as its href.
    const foreign = { href: 'https://h5.example.com/x#y', toString() { return this.href; }, toJSON() { return this.href; } };
    await expect(signer.sign(foreign as unknown as URL)).resolves.toMatchObject({ url: 'https://h5.example.com/x' });
  });

  it('asks stable_token by POST with force_refresh false, and the ticket with type=jsapi', async () => {
    const seen: string[] = [];
    const { api } = fakeWechat();
    server.use(
      http.all(`${API}/*`, async ({ request }) => {
        const url = new URL(request.url);
        seen.push(`${request.method} ${url.pathname} ${url.searchParams.get('type') ?? ''} ${request.method === 'POST' ? await request.clone().text() : ''}`.trim());
        return api.handle(request);
      }),
    );
    await createSigner({ appId: APP_ID, appSecret: APP_SECRET }).getJsapiTicket();
    expect(seen).toEqual([
      `POST /cgi-bin/stable_token  ${JSON.stringify({ grant_type: 'client_credential', appid: APP_ID, secret: APP_SECRET, force_refresh: false })}`,
      'GET /cgi-bin/ticket/getticket jsapi',
    ]);
  });

  it("uses GET /cgi-bin/token with tokenMode 'classic'", async () => {
    const { api, handler } = fakeWechat();
    server.use(handler);
    await createSigner({ appId: APP_ID, appSecret: APP_SECRET, tokenMode: 'classic' }).sign('https://h5.example.com/');
    expect(api.calls).toEqual({ stableToken: 0, token: 1, ticket: 1 });
  });

  it('makes 1 token call and 1 ticket call for 500 concurrent cold sign() calls', async () => {
    const { api, handler } = fakeWechat({ latency: 30 });
    server.use(handler);
    const signer = createSigner({ appId: APP_ID, appSecret: APP_SECRET });
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => signer.sign(`https://h5.example.com/p${i}`)));
    expect(new Set(results.map((r) => r.signature)).size).toBe(500);
    expect(api.calls).toEqual({ stableToken: 1, token: 0, ticket: 1 });
  });

  it('shares one store read and one fetch between concurrent callers in a process, whatever the store\'s lock says', async () => {
    const { api, handler } = fakeWechat({ latency: 30 });
    server.use(handler);
    // A store whose lock never refuses: only the in-process single flight can keep this to one call.
    const inner = memoryStore();
    const reads: string[] = [];
    const store = { ...inner, lock: async () => 'always', get: (key: string) => (reads.push(key), inner.get(key)) };
    const signer = createSigner({ appId: APP_ID, appSecret: APP_SECRET, store });
    await Promise.all(Array.from({ length: 200 }, (_, i) => signer.sign(`https://h5.example.com/p${i}`)));
    expect(api.calls).toEqual({ stableToken: 1, token: 0, ticket: 1 });
    // One cold read each, plus the re-read under the lock.
    expect(reads.filter((key) => key.endsWith(':jsapi_ticket'))).toHaveLength(2);
  });

  it('runs one background refresh in the refresh window, however many callers it has', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { api, handler } = fakeWechat({ latency: 50 });
    server.use(handler);
    const inner = memoryStore();
    const signer = createSigner({ appId: APP_ID, appSecret: APP_SECRET, store: { ...inner, lock: async () => 'always' } });
    await signer.sign('https://h5.example.com/');
    vi.advanceTimersByTime(7000 * 1000);
    await Promise.all(Array.from({ length: 50 }, () => signer.sign('https://h5.example.com/')));
    await vi.waitFor(() => expect(api.calls.ticket).toBe(2));
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(api.calls).toEqual({ stableToken: 2, token: 0, ticket: 2 });
  });

  it('keeps token and ticket until expires_in minus the margin, then fetches again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { api, handler } = fakeWechat({ expiresIn: 7200 });
    server.use(handler);
    const signer = createSigner({ appId: APP_ID, appSecret: APP_SECRET, refreshMargin: 300 });
    await signer.sign('https://h5.example.com/');
    vi.advanceTimersByTime((7200 - 300 - 1) * 1000);
    await signer.sign('https://h5.example.com/');
    expect(api.calls).toEqual({ stableToken: 1, token: 0, ticket: 1 });
    vi.advanceTimersByTime(2000);
    // Due: the old ticket still answers at once, and one refresh runs behind it.
    const ticket = api.currentTicket();
    const due = await signer.sign('https://h5.example.com/');
    expect(due.signature).toBe(jsapiSignature({ jsapi_ticket: ticket!, noncestr: due.nonceStr, timestamp: due.timestamp, url: due.url }));
    await vi.waitFor(() => expect(api.calls.ticket).toBe(2));
  });

  it('keeps signing with a still-valid ticket when the early refresh fails, and fails once it expires', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { api, handler } = fakeWechat();
    server.use(handler);
    const signer = createSigner({ appId: APP_ID, appSecret: APP_SECRET, refreshMargin: 300 });
    const first = await signer.sign('https://h5.example.com/');
    const ticket = api.currentTicket()!;
    vi.advanceTimersByTime(7000 * 1000);
    api.failNext('ticket', -1, 'system error');
    const during = await signer.sign('https://h5.example.com/');
    expect(during.signature).toBe(jsapiSignature({ jsapi_ticket: ticket, noncestr: during.nonceStr, timestamp: during.timestamp, url: during.url }));
    expect(first.appId).toBe(APP_ID);
    vi.advanceTimersByTime(300 * 1000);
    server.use(http.all(`${API}/*`, () => HttpResponse.json({ errcode: -1, errmsg: 'system error' })));
    await expect(signer.sign('https://h5.example.com/')).rejects.toMatchObject({ name: 'WechatApiError', errcode: -1 });
  });

  it('on 40001 drops the token, fetches it once more and retries the ticket once', async () => {
    const { api, handler } = fakeWechat();
    server.use(handler);
    const store = memoryStore();
    const signer = createSigner({ appId: APP_ID, appSecret: APP_SECRET, store });
    await signer.getAccessToken();
    api.failNext('ticket', 40001, 'invalid credential');
    const ticket = await signer.getJsapiTicket();
    expect(ticket).toBe(api.currentTicket());
    expect(api.calls).toEqual({ stableToken: 2, token: 0, ticket: 2 });
  });

  it('does not loop when the token keeps being refused', async () => {
    const { api, handler } = fakeWechat();
    server.use(handler);
    for (let i = 0; i < 5; i++) api.failNext('ticket', 42001, 'access_token expired');
    const signer = createSigner({ appId: APP_ID, appSecret: APP_SECRET });
    await expect(signer.sign('https://h5.example.com/')).rejects.toMatchObject({ errcode: 42001 });
    expect(api.calls).toEqual({ stableToken: 2, token: 0, ticket: 2 });
  });

  it.each([
    [45009, 'reach max api daily quota limit', /daily quota/],
    [40164, 'invalid ip 1.2.3.4, not in whitelist', /whitelist/],
    [40013, 'invalid appid', /appId/],
    [40125, 'invalid appsecret', /appSecret/],
    [-1, 'system error', /busy/],
  ])('rejects errcode %i at once with a hint', async (errcode, errmsg, hint) => {
    const { api, handler } = fakeWechat();
    server.use(handler);
    api.failNext('stableToken', errcode, errmsg);
    const error = await createSigner({ appId: APP_ID, appSecret: APP_SECRET }).sign('https://h5.example.com/').catch((e) => e);
    expect(error).toBeInstanceOf(WechatApiError);
    expect(error).toMatchObject({ errcode, errmsg, api: '/cgi-bin/stable_token' });
    expect(error.hint).toMatch(hint);
    expect(error.message).toContain(String(errcode));
    expect(api.calls).toEqual({ stableToken: 1, token: 0, ticket: 0 });
  });

  it('names bad credentials from the fake API (real error codes, HTTP 200)', async () => {
    const { handler } = fakeWechat();
    server.use(handler);
    await expect(createSigner({ appId: APP_ID, appSecret: 'wrong' }).getAccessToken()).rejects.toMatchObject({ errcode: 40125 });
    await expect(createSigner({ appId: 'wx_other', appSecret: APP_SECRET }).getAccessToken()).rejects.toMatchObject({ errcode: 40013 });
  });

  it('rejects after timeout when WeChat does not answer', async () => {
    server.use(http.all(`${API}/*`, async () => {
      await delay('infinite');
      return HttpResponse.json({});
    }));
    const error = await createSigner({ appId: APP_ID, appSecret: APP_SECRET, timeout: 100 }).sign('https://h5.example.com/').catch((e) => e);
    expect(error).toBeInstanceOf(WechatApiError);
    expect(error.message).toMatch(/timed out after 100 ms/);
  });

  it.each(['/relative', 'ftp://h5.example.com/', 'javascript:alert(1)', '', 'https://'])('rejects %j with a TypeError', async (url) => {
    const { handler } = fakeWechat();
    server.use(handler);
    await expect(createSigner({ appId: APP_ID, appSecret: APP_SECRET }).sign(url)).rejects.toThrow(TypeError);
  });

  it('throws a TypeError without appId or appSecret', () => {
    expect(() => createSigner({ appId: '', appSecret: 'x' })).toThrow(/appId/);
    expect(() => createSigner({ appId: 'x' } as never)).toThrow(/appSecret/);
  });

  it('never puts the appSecret, the access_token or the ticket in an error, even when WeChat quotes them', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const wechat = faultyWechat();
    const events: WechatErrorEvent[] = [];
    const signer = createSigner({ appId: APP_ID, appSecret: APP_SECRET, tokenMode: 'classic', fetch: wechat.fetch, onError: (event) => events.push(event) });
    const token = await signer.getAccessToken();
    const ticket = await signer.getJsapiTicket();
    // From now on every answer quotes all three bare (no secret=, no URL): only the signer's own
    // list of the secrets in hand can find them.
    wechat.state.fault = { errcode: -1, errmsg: `system error, appsecret ${APP_SECRET} token ${token} ticket ${ticket}` };
    // In the refresh window: the old ticket still signs, and the refresh behind it fails.
    vi.advanceTimersByTime(7000 * 1000);
    await signer.sign('https://h5.example.com/');
    await vi.waitFor(() => expect(events.length).toBeGreaterThan(0));
    // Expired: the failure reaches the caller.
    vi.advanceTimersByTime(300 * 1000);
    const error = await signer.sign('https://h5.example.com/').catch((e) => e);
    expect(error).toMatchObject({ name: 'WechatApiError', errcode: -1 });
    const texts = [
      `${error.message} ${error.errmsg} ${error.stack} ${JSON.stringify(error)} ${String(error.cause)}`,
      ...events.map((event) => JSON.stringify(event)),
      JSON.stringify(signer.status()),
    ];
    for (const text of texts) {
      expect(text).toContain('[redacted]');
      for (const secret of [APP_SECRET, token, ticket]) expect(text).not.toContain(secret);
    }
  });
});

describe('createNonceStr', () => {
  it('draws letters and digits uniformly (chi-square over 320,000 characters), at any length', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) for (const char of createNonceStr()) counts.set(char, (counts.get(char) ?? 0) + 1);
    expect(counts.size).toBe(62);
    const expected = 320_000 / 62;
    const chiSquare = [...counts.values()].reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
    // 61 degrees of freedom: 140 is far beyond p = 1e-9 for a uniform draw; a mod-256 bias gives thousands.
    expect(chiSquare).toBeLessThan(140);
    expect(createNonceStr(5000)).toMatch(/^[A-Za-z0-9]{5000}$/);
    expect(createNonceStr(0)).toBe('');
  });
});
