// @vitest-environment node
import { afterEach, describe, expect, it, vi } from 'vitest';
import { http, HttpResponse, delay } from 'msw';
import { createNonceStr, createSigner, jsapiSignature, memoryStore, WechatApiError, type WechatErrorEvent } from '../../src/server/index';
import { server } from '../helpers/msw';
import { createFakeWechatApi } from '../../src/dev/createFakeWechatApi';
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
    // Requests counted as they start (the fake API counts them after its 50 ms latency).
    const started: string[] = [];
    const fetch: typeof globalThis.fetch = (input, init) => (started.push(new URL(String(input instanceof Request ? input.url : input)).pathname), globalThis.fetch(input, init));
    const signer = createSigner({ appId: APP_ID, appSecret: APP_SECRET, fetch, store: { ...inner, lock: async () => 'always' } });
    await signer.sign('https://h5.example.com/');
    vi.advanceTimersByTime(7000 * 1000);
    await Promise.all(Array.from({ length: 50 }, () => signer.sign('https://h5.example.com/')));
    await vi.waitFor(() => expect(api.calls.ticket).toBe(2));
    // Any second refresh would have started with the first (the 50 callers came at once), so
    // before this one's ticket was answered.
    expect(started.sort()).toEqual(['/cgi-bin/stable_token', '/cgi-bin/stable_token', '/cgi-bin/ticket/getticket', '/cgi-bin/ticket/getticket']);
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

  it('on 40001 renews the token as refreshAccessToken does (a normal call, then a forced one when WeChat answers the same) and retries the ticket once', async () => {
    const { api, handler } = fakeWechat();
    server.use(handler);
    const bodies: string[] = [];
    server.events.on('request:start', ({ request }) => void request.clone().text().then((body) => body && bodies.push(body)));
    const store = memoryStore();
    const signer = createSigner({ appId: APP_ID, appSecret: APP_SECRET, store });
    const t0 = await signer.getAccessToken();
    api.failNext('ticket', 40001, 'invalid credential');
    const ticket = await signer.getJsapiTicket();
    expect(ticket).toBe(api.currentTicket());
    expect(api.calls).toEqual({ stableToken: 3, token: 0, ticket: 2 });
    expect(bodies.map((body) => JSON.parse(body).force_refresh)).toEqual([false, false, true]);
    expect(await signer.getAccessToken()).not.toBe(t0);
    server.events.removeAllListeners();
  });

  it('on 40001 takes the token WeChat answers to the normal call when it is another one, without forcing', async () => {
    const { api, handler } = fakeWechat();
    server.use(handler);
    const signer = createSigner({ appId: APP_ID, appSecret: APP_SECRET });
    const t0 = await signer.getAccessToken();
    // Another system forced a refresh: t0 is refused from now on.
    const body = JSON.stringify({ grant_type: 'client_credential', appid: APP_ID, secret: APP_SECRET, force_refresh: true });
    const t1 = ((await (await api.handle(new Request(`${API}/cgi-bin/stable_token`, { method: 'POST', body }))).json()) as { access_token: string }).access_token;
    expect(await signer.getJsapiTicket()).toBe(api.currentTicket());
    // The forced call above, then the signer's first call and its one normal call.
    expect(api.calls).toEqual({ stableToken: 3, token: 0, ticket: 2 });
    expect(await signer.getAccessToken()).toBe(t1);
    expect(t1).not.toBe(t0);
  });

  it('does not loop when the token keeps being refused', async () => {
    const { api, handler } = fakeWechat();
    server.use(handler);
    for (let i = 0; i < 5; i++) api.failNext('ticket', 42001, 'access_token expired');
    const signer = createSigner({ appId: APP_ID, appSecret: APP_SECRET });
    await expect(signer.sign('https://h5.example.com/')).rejects.toMatchObject({ errcode: 42001 });
    expect(api.calls).toEqual({ stableToken: 3, token: 0, ticket: 2 });
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

// A WeChat whose forced stable_token calls take `forcedLatency` ms and are made whether the caller
// still waits or not, as a timed-out call can be; every other call answers at once.
function slowForcedRefresh() {
  const api = createFakeWechatApi({ appId: APP_ID, appSecret: APP_SECRET });
  const control = { forcedLatency: 0, forced: 0, normal: 0 };
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const request = () => new Request(input, { method: init?.method, body: init?.body, headers: init?.headers });
    const forced = typeof init?.body === 'string' && JSON.parse(init.body).force_refresh === true;
    if (!forced) {
      if (String(input).includes('stable_token')) control.normal++;
      return api.handle(request());
    }
    control.forced++;
    const made = new Promise<Response>((resolve) => setTimeout(() => resolve(api.handle(request())), control.forcedLatency));
    return new Promise<Response>((resolve, reject) => {
      init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      void made.then(resolve);
    });
  }) as typeof globalThis.fetch;
  return { api, control, fetch };
}

describe('refreshAccessToken and a forced stable_token call that times out', () => {
  it('follows it with normal calls, and answers the token WeChat made all the same, within seconds', async () => {
    vi.useFakeTimers();
    const { control, fetch } = slowForcedRefresh();
    const signer = createSigner({ appId: APP_ID, appSecret: APP_SECRET, fetch, timeout: 5000, onError: () => undefined });
    const t0 = await signer.getAccessToken();
    // WeChat makes the new token 5.8 s after the forced call: 0.8 s after the signer stopped waiting.
    control.forcedLatency = 5800;
    const started = Date.now();
    const refresh = signer.refreshAccessToken(t0);
    const settled = vi.fn();
    refresh.then(settled, settled);
    await vi.advanceTimersByTimeAsync(5500);
    expect(settled).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1000);
    const answer = await refresh;
    expect(answer).toEqual({ access_token: expect.any(String), expires_in: expect.any(Number), refreshed: true });
    expect(answer.access_token).not.toBe(t0);
    // Learnt by the second normal call after the timeout (at 5.5 s: not yet; at 6.5 s: made).
    expect(Date.now() - started).toBe(6500);
    expect(control).toMatchObject({ forced: 1, normal: 1 + 1 + 2 });
    expect(await signer.getAccessToken()).toBe(answer.access_token);
  });

  it('rejects UPSTREAM_FAILED when none of those calls sees it, keeps answering the held token, and learns the new one on use', async () => {
    vi.useFakeTimers();
    const { control, fetch } = slowForcedRefresh();
    const signer = createSigner({ appId: APP_ID, appSecret: APP_SECRET, fetch, timeout: 5000, onError: () => undefined });
    const t0 = await signer.getAccessToken();
    control.forcedLatency = 20_000;
    const refresh = signer.refreshAccessToken(t0).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(9000);
    expect(await refresh).toMatchObject({ name: 'TokenRefreshError', code: 'UPSTREAM_FAILED', retryAfter: 1 });
    // Three normal calls followed the forced one, at 5.5, 6.5 and 8.5 s.
    expect(control).toMatchObject({ forced: 1, normal: 1 + 1 + 3 });
    // The held token answers (its reporter alone said it failed); each use checks WeChat again.
    expect(await signer.getAccessToken()).toBe(t0);
    await vi.advanceTimersByTimeAsync(12_000);
    expect(await signer.getAccessToken()).toBe(t0);
    await vi.advanceTimersByTimeAsync(0);
    const t1 = await signer.getAccessToken();
    expect(t1).not.toBe(t0);
    expect(control.forced).toBe(1);
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
