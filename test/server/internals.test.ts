// @vitest-environment node
// Exact behaviour of the signer's small parts: redaction, the WeChat API call, the guarded store,
// WechatApiError's message, parseHttpUrl. Each assertion names the whole output, so that a
// mutant of any branch or text shows.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { callWechatApi, type WechatErrorEvent } from '../../src/server/callWechatApi';
import { guardStore } from '../../src/server/guardStore';
import { memoryStore } from '../../src/server/memoryStore';
import { parseHttpUrl } from '../../src/server/parseHttpUrl';
import { redact } from '../../src/server/redact';
import type { Store } from '../../src/server/Store';
import { WechatApiError } from '../../src/server/WechatApiError';

afterEach(() => {
  vi.useRealTimers();
});

describe('redact', () => {
  it.each([
    ['request to https://api.weixin.qq.com/cgi-bin/token?grant_type=client_credential&secret=abc failed', 'request to https://api.weixin.qq.com/cgi-bin/token?[redacted] failed'],
    ['Failed to parse URL from api.weixin.qq.com/cgi-bin/token?appid=wx&secret=abc', 'Failed to parse URL from api.weixin.qq.com/cgi-bin/token?[redacted]'],
    ['see "https://a.example.com/p?x=1" and http://b.example.com/#frag=2 then', 'see "https://a.example.com/p?[redacted]" and http://b.example.com/?[redacted] then'],
    ['secret=abc&access_token=def ticket=ghi, jsapi_ticket=jkl appsecret=m corpsecret=n', 'secret=[redacted]&access_token=[redacted] ticket=[redacted] jsapi_ticket=[redacted] appsecret=[redacted] corpsecret=[redacted]'],
    ['secret=ab cd', 'secret=[redacted] cd'],
    ['SECRET=abc', 'SECRET=[redacted]'],
    ['nothing to hide here', 'nothing to hide here'],
    // A token provider's or a proxy's error quoting a JSON body.
    ['bad answer {"access_token": "NEW_TOKEN_123", "expires_in":7200,"Ticket":"T\\"x"}', 'bad answer {"access_token":"[redacted]", "expires_in":7200,"Ticket":"[redacted]"}'],
    // A provider URL with credentials in it, and an API key quoted from a request's headers.
    ['GET https://svc:Pa55word@tokens.internal/t failed', 'GET https://[redacted]@tokens.internal/t failed'],
    ['headers: { authorization: "Bearer sk_live.KEY-123/=" } and basic dXNlcjpwYXNz', 'headers: { authorization: "Bearer [redacted]" } and basic [redacted]'],
  ])('%j', (text, expected) => {
    expect(redact(text, [])).toBe(expected);
  });

  it('replaces the values in hand wherever they appear, 8 characters and longer', () => {
    expect(redact('token TOKEN_12 and again TOKEN_12.', ['TOKEN_12', undefined, ''])).toBe('token [redacted] and again [redacted].');
    expect(redact('short abc1234 stays', ['abc1234'])).toBe('short abc1234 stays');
  });
});

describe('WechatApiError', () => {
  it('builds its message from the path, the errcode, the reason and the hint', () => {
    const quota = new WechatApiError('/cgi-bin/token', 'reach max api daily quota limit', 45009);
    expect(quota.message).toBe(
      'WeChat API /cgi-bin/token failed: errcode 45009, reach max api daily quota limit. The daily quota for this API is used up: cache tokens (this library does) and check for other callers.',
    );
    expect(quota).toMatchObject({ name: 'WechatApiError', api: '/cgi-bin/token', errcode: 45009, errmsg: 'reach max api daily quota limit' });
    expect('cause' in quota).toBe(false);
    const unknown = new WechatApiError('/p', 'odd', 12345);
    expect(unknown.message).toBe('WeChat API /p failed: errcode 12345, odd');
    expect(unknown.hint).toBeUndefined();
    const transport = new WechatApiError('/p', 'HTTP 502');
    expect(transport.message).toBe('WeChat API /p failed: HTTP 502');
    expect(transport.errcode).toBeUndefined();
    expect(new WechatApiError('/p', 'x', undefined, 'why').cause).toBe('why');
  });
});

describe('parseHttpUrl', () => {
  it.each([
    ['https://h5.example.com/a', 'https://h5.example.com/a'],
    ['HTTP://h5.example.com', 'http://h5.example.com/'],
    [' https://h5.example.com/', undefined],
    ['xhttps://h5.example.com/', undefined],
    ['https://', undefined],
    [42, undefined],
  ])('%j', (input, href) => {
    expect(parseHttpUrl(input)?.href).toBe(href);
  });
});

describe('callWechatApi', () => {
  const events: WechatErrorEvent[] = [];
  const context = (fetch: (url: string, init: RequestInit) => Promise<Response>, timeout = 200) => ({
    apiBase: 'https://api.example.test',
    fetch: fetch as typeof globalThis.fetch,
    timeout,
    secrets: () => ['SECRET_VALUE_1'],
    onError: (event: WechatErrorEvent) => events.push(event),
  });
  afterEach(() => {
    events.length = 0;
  });
  const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (e: WechatApiError) => e.message);

  it('GETs path?query, or POSTs JSON, and resolves with the field and expires_in', async () => {
    const seen: string[] = [];
    const fetch = async (url: string, init: RequestInit) => {
      seen.push(`${init.method} ${url} ${JSON.stringify(init.headers ?? null)} ${init.body ?? ''}`);
      return Response.json({ errcode: 0, access_token: 'T', expires_in: '7200' });
    };
    expect(await callWechatApi(context(fetch), '/get', 'access_token', { a: '1', b: 'x y' })).toEqual({ value: 'T', expiresIn: 7200 });
    expect(await callWechatApi(context(fetch), '/post', 'access_token', {}, { k: 'v' })).toEqual({ value: 'T', expiresIn: 7200 });
    expect(seen).toEqual([
      'GET https://api.example.test/get?a=1&b=x+y null ',
      'POST https://api.example.test/post {"Content-Type":"application/json"} {"k":"v"}',
    ]);
    expect(events).toEqual([]);
  });

  it.each([
    ['HTTP 500', async () => new Response('<html>busy</html>', { status: 500 }), 'WeChat API /p failed: HTTP 500'],
    ['not JSON', async () => new Response('<html>'), 'WeChat API /p failed: the answer is not JSON'],
    ['JSON null', async () => Response.json(null), 'WeChat API /p failed: the answer is not a JSON object'],
    ['a JSON string', async () => Response.json('ok'), 'WeChat API /p failed: the answer is not a JSON object'],
    ['an array', async () => Response.json([1]), 'WeChat API /p failed: the answer is not a JSON object'],
    ['no value', async () => Response.json({ expires_in: 7200 }), 'WeChat API /p failed: the answer has no ticket and expires_in'],
    ['an empty value', async () => Response.json({ ticket: '', expires_in: 7200 }), 'WeChat API /p failed: the answer has no ticket and expires_in'],
    ['a numeric value', async () => Response.json({ ticket: 5, expires_in: 7200 }), 'WeChat API /p failed: the answer has no ticket and expires_in'],
    ['expires_in 0', async () => Response.json({ ticket: 't', expires_in: 0 }), 'WeChat API /p failed: the answer has no ticket and expires_in'],
    ['errcode without errmsg', async () => Response.json({ errcode: -1 }), 'WeChat API /p failed: errcode -1, . WeChat is busy; try again in a moment.'],
    ['a thrown string', async () => Promise.reject('plain'), 'WeChat API /p failed: request failed: plain'],
    ['a thrown null', async () => Promise.reject(null), 'WeChat API /p failed: request failed: null'],
    [
      'a fetch error quoting the URL, with a cause code',
      async () => Promise.reject(Object.assign(new TypeError('fetch to https://api.example.test/p?secret=SECRET_VALUE_1 failed'), { cause: { code: 'ECONNREFUSED' } })),
      'WeChat API /p failed: request failed: fetch to https://api.example.test/p?[redacted] failed (ECONNREFUSED)',
    ],
    ['a cause without a string code', async () => Promise.reject(Object.assign(new Error('down'), { cause: { code: 7 } })), 'WeChat API /p failed: request failed: down'],
  ])('rejects %s with one redacted message and one onError event', async (_, fetch, message) => {
    // The call takes 120 ms of a faked clock: durationMs is that, not any number >= 0.
    vi.useFakeTimers({ toFake: ['Date'] });
    const slow = async (url: string, init: RequestInit) => (vi.advanceTimersByTime(120), (fetch as (url: string, init: RequestInit) => Promise<Response>)(url, init));
    expect(await failure(callWechatApi(context(slow), '/p', 'ticket', {}))).toBe(message);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ api: '/p', message });
    expect(events[0].durationMs).toBe(120);
  });

  it('passes WeChat\'s errcode and redacted errmsg to onError, and leaves errmsg out when there is none', async () => {
    await failure(callWechatApi(context(async () => Response.json({ errcode: 40164, errmsg: 'invalid ip 1.2.3.4 SECRET_VALUE_1' })), '/p', 'ticket', {}));
    expect(events[0]).toMatchObject({ errcode: 40164, errmsg: 'invalid ip 1.2.3.4 [redacted]' });
    await failure(callWechatApi(context(async () => new Response('', { status: 503 })), '/p', 'ticket', {}));
    expect(events[1].errcode).toBeUndefined();
    expect('errmsg' in events[1] && events[1].errmsg !== undefined).toBe(false);
  });

  it('times out a fetch that ignores its signal, and one that honours it, after timeout ms', async () => {
    let aborted = false;
    const honours = (_: string, init: RequestInit) =>
      new Promise<Response>((_, reject) => init.signal!.addEventListener('abort', () => ((aborted = true), reject(new Error('aborted')))));
    const ignores = () => new Promise<Response>(() => undefined);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    for (const fetch of [honours, ignores]) {
      // Pending at 99 ms of a fake clock, timed out at 100.
      let message: string | undefined;
      void failure(callWechatApi(context(fetch, 100), '/p', 'ticket', {})).then((got) => (message = got));
      await vi.advanceTimersByTimeAsync(99);
      expect(message).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);
      expect(message).toBe('WeChat API /p failed: timed out after 100 ms');
    }
    vi.useRealTimers();
    expect(aborted).toBe(true);
  });

  it('leaves no timer behind', async () => {
    vi.useFakeTimers();
    await callWechatApi(context(async () => Response.json({ ticket: 't', expires_in: 1 })), '/p', 'ticket', {});
    await failure(callWechatApi(context(async () => Response.json({ errcode: 1 })), '/p', 'ticket', {}));
    expect(vi.getTimerCount()).toBe(0);
  });

  it('works without an onError hook', async () => {
    const quiet = { ...context(async () => new Response('', { status: 500 })), onError: undefined };
    expect(await failure(callWechatApi(quiet, '/p', 'ticket', {}))).toBe('WeChat API /p failed: HTTP 500');
  });
});

describe('guardStore', () => {
  const events: WechatErrorEvent[] = [];
  afterEach(() => {
    events.length = 0;
  });
  const failing = (error: unknown): Store => {
    const reject = () => Promise.reject(error);
    return { get: reject, set: reject, delete: reject, lock: reject, unlock: reject };
  };
  const guard = (store: Store, timeout = 100) => guardStore(store, { timeout, onError: (e) => events.push(e), secrets: () => ['SECRET_VALUE_1'] });

  it('passes every call through to the store while it answers', async () => {
    const inner = memoryStore();
    const store = guard(inner);
    await store.set('k', 'v', 60_000);
    expect(await store.get('k')).toBe('v');
    await store.delete('k');
    expect(await inner.get('k')).toBeUndefined();
    const token = await store.lock('l', 60_000);
    expect(await inner.get('l')).toBe(token);
    await store.unlock('l', token!);
    expect(await inner.get('l')).toBeUndefined();
    expect(events).toEqual([]);
    vi.useFakeTimers();
    await store.get('k');
    expect(vi.getTimerCount()).toBe(0);
  });

  it.each(['get', 'set', 'delete', 'lock', 'unlock'] as const)('reports a failed %s by name, redacted, and rejects without the store\'s error', async (name) => {
    // The duration is measured with Date.now(): on a faked Date standing still, a store failing at
    // once took exactly 0 ms.
    vi.useFakeTimers({ toFake: ['Date'] });
    const store = guard(failing(new Error('READONLY SECRET_VALUE_1')));
    const call = { get: () => store.get('k'), set: () => store.set('k', 'v', 1), delete: () => store.delete('k'), lock: () => store.lock('k', 1), unlock: () => store.unlock('k', 't') }[name];
    await expect(call()).rejects.toThrow(new Error(`store.${name} failed`));
    expect(events).toEqual([{ api: `store.${name}`, message: `store.${name} failed: READONLY [redacted]`, durationMs: 0 }]);
  });

  it('puts a time limit on a store that does not answer, and names non-Error failures', async () => {
    const hanging: Store = { ...memoryStore(), get: () => new Promise(() => undefined) };
    await expect(guard(hanging, 50).get('k')).rejects.toThrow('store.get failed');
    expect(events[0].message).toBe('store.get failed: timed out (50 ms)');
    await expect(guard(failing(null)).get('k')).rejects.toThrow('store.get failed');
    expect(events[1].message).toBe('store.get failed: null');
  });

  it('after a failure, fails at once for 1 s, doubling per failure up to 30 s, until a call succeeds', async () => {
    let now = 1_000_000;
    vi.spyOn(Date, 'now').mockImplementation(() => now);
    let down = true;
    const reached: number[] = [];
    const inner: Store = { ...memoryStore(), get: async () => (reached.push(now), down ? Promise.reject(new Error('down')) : 'v') };
    const store = guard(inner);
    const skipped: string[] = [];
    for (let t = 0; t <= 100_000; t += 250) {
      now = 1_000_000 + t;
      await store.get('k').catch((e: Error) => /skipped/.test(e.message) && skipped.push(e.message));
    }
    const gaps = reached.slice(1).map((at, i) => at - reached[i]);
    expect(gaps.slice(0, 7)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(skipped[0]).toBe('store.get skipped: the store failed moments ago');
    // A success clears it: the next failure pauses for 1 s again.
    down = false;
    now += 30_000;
    expect(await store.get('k')).toBe('v');
    down = true;
    reached.length = 0;
    for (let t = 0; t <= 2000; t += 250) {
      now += 250;
      await store.get('k').catch(() => undefined);
    }
    expect(reached.slice(1).map((at, i) => at - reached[i])).toEqual([1000]);
    vi.restoreAllMocks();
  });
});
