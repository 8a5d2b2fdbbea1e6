// @vitest-environment node
// The central token server's primitives (issue 14 item 3's library half): getAccessTokenInfo,
// getJsapiTicketInfo, refreshAccessToken(stale) and status(), across instances on a real
// redis-server, against the fake WeChat API.
import { describe, expect, it, vi } from 'vitest';
import { createSigner, memoryStore, redisStore, TokenRefreshError, WechatApiError, type Store, type UpstreamEvent } from '../../src/server/index';
import { startRedis } from '../../scripts/system.mjs';
import type { FakeWechatApi } from '../../src/dev/createFakeWechatApi';
import { API, APP_ID, APP_SECRET, faultyWechat } from '../helpers/wechatApi';
import { until } from '../helpers/until';
import { useRedis } from './useRedis';

const { client } = useRedis();

// Another system forcing a refresh at WeChat: the token it answers is the only valid one.
async function forceAtWechat(api: FakeWechatApi): Promise<string> {
  const body = JSON.stringify({ grant_type: 'client_credential', appid: APP_ID, secret: APP_SECRET, force_refresh: true });
  const answer = await api.handle(new Request(`${API}/cgi-bin/stable_token`, { method: 'POST', body }));
  return ((await answer.json()) as { access_token: string }).access_token;
}

// Two instances of a service: each its own Redis connection, one shared Redis, one WeChat.
async function twoInstances(options: { tokenMode?: 'stable' | 'classic' } = {}) {
  const wechat = faultyWechat();
  const prefix = `token-api:${Math.random()}:`;
  const events: UpstreamEvent[] = [];
  const bodies: string[] = [];
  const fetch = ((input, init) => {
    if (typeof init?.body === 'string') bodies.push(init.body);
    return wechat.fetch(input, init);
  }) as typeof globalThis.fetch;
  const signer = async () =>
    createSigner({
      appId: APP_ID,
      appSecret: APP_SECRET,
      fetch,
      store: redisStore(await client(), { prefix }),
      onUpstream: (event) => events.push(event),
      onError: () => undefined,
      ...options,
    });
  return { wechat, events, bodies, a: await signer(), b: await signer(), prefix };
}

describe('getAccessTokenInfo and getJsapiTicketInfo', () => {
  it('answer the shared token and ticket with whole seconds left, one upstream call each for two instances', async () => {
    const { wechat, a, b } = await twoInstances();
    const tokenA = await a.getAccessTokenInfo();
    const tokenB = await b.getAccessTokenInfo();
    expect(tokenB.access_token).toBe(tokenA.access_token);
    expect(Number.isInteger(tokenA.expires_in) && tokenA.expires_in > 7190 && tokenA.expires_in <= 7200).toBe(true);
    const ticketA = await a.getJsapiTicketInfo();
    const ticketB = await b.getJsapiTicketInfo();
    expect(ticketB).toEqual({ ticket: wechat.api.currentTicket(), expires_in: expect.any(Number) });
    expect(ticketA.ticket).toBe(ticketB.ticket);
    expect(wechat.api.calls).toEqual({ stableToken: 1, token: 0, ticket: 1 });
  });
});

describe('refreshAccessToken(stale)', () => {
  it('20 concurrent calls with the same stale token on two instances cause one normal call, then one forced refresh', async () => {
    const { wechat, events, bodies, a, b } = await twoInstances();
    const stale = await a.getAccessToken();
    await b.getAccessToken();
    events.length = 0;
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).refreshAccessToken(stale)));
    const fresh = answers[0].access_token;
    expect(fresh).not.toBe(stale);
    expect(answers.every((answer) => answer.access_token === fresh && answer.expires_in > 7190)).toBe(true);
    expect(answers.some((answer) => answer.refreshed)).toBe(true);
    // WeChat answered the stale token to the normal call: only then the forced one.
    expect(events).toEqual([
      { api: '/cgi-bin/stable_token', outcome: 'ok', durationMs: expect.any(Number) },
      { api: '/cgi-bin/stable_token', outcome: 'ok', durationMs: expect.any(Number) },
    ]);
    expect(bodies.slice(-2).map((body) => JSON.parse(body).force_refresh)).toEqual([false, true]);
    expect(wechat.api.calls.stableToken).toBe(3);
    // Both instances now hold the new token: the ticket is fetched with it.
    expect(await a.getAccessToken()).toBe(fresh);
    expect(await b.getAccessToken()).toBe(fresh);
    const ticket = await b.getJsapiTicket();
    expect(ticket).toBe(wechat.api.currentTicket());
  });

  it('sends force_refresh: true in stable mode, at most once per 30 s per appId across instances', async () => {
    const { wechat, a, b, prefix, bodies } = await twoInstances();
    const t1 = await a.getAccessToken();
    const first = await a.refreshAccessToken(t1);
    expect(first.refreshed).toBe(true);
    // The window key lives 30 s in the shared store, and is never released.
    const raw = await client();
    const pttl = await raw.pTTL(`${prefix}{${APP_ID}}:access_token:stable:force`);
    expect(pttl).toBeGreaterThan(25_000);
    expect(pttl).toBeLessThanOrEqual(30_000);
    // Another instance, inside the window, holding the new token as stale: WeChat's normal call
    // answers it again, and no forced call is allowed: a rejection saying when, never that token.
    const calls = wechat.api.calls.stableToken;
    const second = await b.refreshAccessToken(first.access_token).catch((error: unknown) => error);
    expect(second).toBeInstanceOf(TokenRefreshError);
    expect(second).toBeInstanceOf(WechatApiError);
    expect(second).toMatchObject({ code: 'REFRESH_LIMITED', api: '/cgi-bin/stable_token' });
    expect((second as TokenRefreshError).retryAfter).toBeGreaterThanOrEqual(29);
    expect((second as TokenRefreshError).retryAfter).toBeLessThanOrEqual(30);
    expect(wechat.api.calls.stableToken).toBe(calls + 1);
    // Meanwhile the token in hand keeps answering: only its reporter said it failed.
    expect(await b.getAccessToken()).toBe(first.access_token);
    // Once the window has passed (its key expired), the next stale report forces again.
    await raw.del(`${prefix}{${APP_ID}}:access_token:stable:force`);
    const third = await b.refreshAccessToken(first.access_token);
    expect(third.refreshed).toBe(true);
    expect(third.access_token).not.toBe(first.access_token);
    expect(bodies.filter((body) => body.includes('"force_refresh":true'))).toHaveLength(2);
  });

  it('answers the current token without an upstream call when stale is no longer current', async () => {
    const { wechat, a } = await twoInstances();
    const current = await a.getAccessToken();
    const calls = { ...wechat.api.calls };
    expect(await a.refreshAccessToken('AN_OLDER_TOKEN_0123456789')).toEqual({ access_token: current, expires_in: expect.any(Number), refreshed: false });
    expect(wechat.api.calls).toEqual(calls);
  });

  it('calls GET /cgi-bin/token once for 20 callers in classic mode', async () => {
    const { wechat, a, b } = await twoInstances({ tokenMode: 'classic' });
    const stale = await a.getAccessToken();
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).refreshAccessToken(stale)));
    expect(new Set(answers.map((answer) => answer.access_token)).size).toBe(1);
    expect(answers[0].access_token).not.toBe(stale);
    expect(wechat.api.calls.token).toBe(2);
  });

  it('asks an accessToken provider with { stale }, once for 20 callers', async () => {
    const asked: { stale?: string }[] = [];
    let n = 0;
    const signer = createSigner({
      appId: APP_ID,
      accessToken: async (context) => {
        asked.push(context);
        return { access_token: `PROVIDED_TOKEN_${++n}_0123456789`, expires_in: 7200 };
      },
      store: memoryStore(),
    });
    const stale = await signer.getAccessToken();
    const answers = await Promise.all(Array.from({ length: 20 }, () => signer.refreshAccessToken(stale)));
    expect(asked).toEqual([{}, { stale }]);
    expect(answers.every((answer) => answer.access_token === 'PROVIDED_TOKEN_2_0123456789')).toBe(true);
  });

  it('takes the token WeChat answers to the normal call when it is another one: no forced call', async () => {
    const { wechat, a, b, bodies } = await twoInstances();
    const t0 = await a.getAccessToken();
    await b.getAccessToken();
    // Another system forced a refresh: WeChat now answers t1, and refuses t0.
    const t1 = await forceAtWechat(wechat.api);
    const answers = await Promise.all([a.refreshAccessToken(t0), b.refreshAccessToken(t0)]);
    expect(answers.map((answer) => answer.access_token)).toEqual([t1, t1]);
    expect(bodies.filter((body) => JSON.parse(body).force_refresh)).toEqual([]);
    expect(await b.getAccessToken()).toBe(t1);
  });

  it('makes at most 20 forced refreshes per rolling 24 h per appId across instances, and then says when the next can be', async () => {
    const { wechat, a, b, prefix, bodies } = await twoInstances();
    const raw = await client();
    const force = `${prefix}{${APP_ID}}:access_token:stable:force`;
    const started = Date.now();
    let stale = await a.getAccessToken();
    for (let i = 0; i < 20; i++) {
      // The 30 s window passed (its key expired): the next report may force again.
      await raw.del(force);
      const answer = await (i % 2 ? a : b).refreshAccessToken(stale);
      expect(answer.refreshed).toBe(true);
      stale = answer.access_token;
    }
    expect(bodies.filter((body) => JSON.parse(body).force_refresh)).toHaveLength(20);
    // Each daily slot lives 24 h from its taking.
    const slotTtl = await raw.pTTL(`${force}:20`);
    expect(slotTtl).toBeGreaterThan(86_390_000);
    expect(slotTtl).toBeLessThanOrEqual(86_400_000);
    for (const signer of [a, b]) {
      await raw.del(force);
      const error = (await signer.refreshAccessToken(stale).catch((caught: unknown) => caught)) as TokenRefreshError;
      expect(error).toMatchObject({ code: 'REFRESH_LIMITED' });
      // The first slot frees 24 h after it was taken.
      expect(error.retryAfter).toBeGreaterThan(86_400 - (Date.now() - started) / 1000 - 2);
      expect(error.retryAfter).toBeLessThanOrEqual(86_400);
    }
    expect(bodies.filter((body) => JSON.parse(body).force_refresh)).toHaveLength(20);
    expect(wechat.api.calls.stableToken).toBe(1 + 20 * 2 + 1 + 1);
  });

  it('never answers the refused token: a provider that hands it back fails the refresh', async () => {
    const refused = 'PROVIDED_TOKEN_REFUSED_0123456789';
    const signer = createSigner({ appId: APP_ID, accessToken: async () => ({ access_token: refused, expires_in: 7200 }), store: memoryStore(), onError: () => undefined });
    expect(await signer.getAccessToken()).toBe(refused);
    const error = await signer.refreshAccessToken(refused).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'TokenRefreshError', code: 'UPSTREAM_FAILED', api: 'accessToken', retryAfter: 1 });
    expect((error as Error).message).not.toContain(refused);
  });

  it.each(['stable', 'classic'] as const)('%s mode: a lock left by an instance that died answers REFRESH_IN_PROGRESS after the wait, never the refused token', async (tokenMode) => {
    const { wechat, a, prefix } = await twoInstances({ tokenMode });
    const t0 = await a.getAccessToken();
    const raw = await client();
    // The refresh lock of an instance that stopped mid-refresh: it expires by its TTL only.
    await raw.set(`${prefix}{${APP_ID}}:access_token:${tokenMode}:lock`, 'dead-instance', { PX: 60_000 });
    const calls = { ...wechat.api.calls };
    // It waits `timeout` (5 s by default) for the holder's value, by Date.now(): on a faked Date,
    // moved here, while its real 10 to 50 ms pauses between tries go on (each try a real Redis
    // round trip, seen in the server's command count).
    const processed = async () => Number(/total_commands_processed:(\d+)/.exec(await raw.info('stats'))![1]);
    const someTries = async () => {
      const from = await processed();
      await until(async () => (await processed()) - from > 6, 'more tries for the lock');
    };
    vi.useFakeTimers({ toFake: ['Date'] });
    let error: TokenRefreshError | undefined;
    try {
      void a.refreshAccessToken(t0).catch((caught: TokenRefreshError) => (error = caught));
      await someTries();
      vi.advanceTimersByTime(4999);
      await someTries();
      expect(error).toBeUndefined();
      vi.advanceTimersByTime(1);
      await until(() => error, 'the answer at 5 s');
    } finally {
      vi.useRealTimers();
    }
    expect(error).toMatchObject({ code: 'REFRESH_IN_PROGRESS', retryAfter: 5 });
    // Stable mode asked WeChat normally once (which answered t0 again); classic mode made no call,
    // which would replace the token the holder may still hand out.
    expect(wechat.api.calls).toEqual(tokenMode === 'stable' ? { ...calls, stableToken: calls.stableToken + 1 } : calls);
    expect(await a.getAccessToken()).toBe(t0);
  }, 15_000);

  it('stable mode under a dead lock: the normal call learns a token WeChat already replaced', async () => {
    const { wechat, a, prefix } = await twoInstances();
    const t0 = await a.getAccessToken();
    const raw = await client();
    await raw.set(`${prefix}{${APP_ID}}:access_token:stable:lock`, 'dead-instance', { PX: 60_000 });
    const t1 = await forceAtWechat(wechat.api);
    // The 5 s wait for the dead holder passes on a faked Date once the lock is being tried (real
    // Redis round trips, seen in the server's command count), not in 5 s of real time.
    const processed = async () => Number(/total_commands_processed:(\d+)/.exec(await raw.info('stats'))![1]);
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const refreshed = a.refreshAccessToken(t0);
      const from = await processed();
      await until(async () => (await processed()) - from > 6, 'tries for the lock');
      vi.advanceTimersByTime(5000);
      expect(await refreshed).toEqual({ access_token: t1, expires_in: expect.any(Number), refreshed: true });
    } finally {
      vi.useRealTimers();
    }
  }, 15_000);

  it('rejects a missing stale token with a TypeError', async () => {
    const signer = createSigner({ appId: APP_ID, appSecret: APP_SECRET, fetch: faultyWechat().fetch });
    await expect(signer.refreshAccessToken('' as never)).rejects.toThrow(TypeError);
  });
});

describe('status()', () => {
  it('tells expiries, the store down and the last error, from memory and without a secret', async () => {
    const own = await startRedis();
    try {
      const wechat = faultyWechat();
      const errors: string[] = [];
      const signer = createSigner({
        appId: APP_ID,
        appSecret: APP_SECRET,
        fetch: wechat.fetch,
        store: redisStore(await client(own.url)),
        storeTimeout: 200,
        onError: (event) => errors.push(event.message),
      });
      expect(signer.status()).toEqual({ appId: APP_ID, store: { up: true } });
      const before = Date.now();
      await signer.sign('https://h5.example.com/');
      const warm = signer.status();
      expect(warm.accessTokenExpiresAt! - before).toBeGreaterThan(7_190_000);
      expect(warm.jsapiTicketExpiresAt! - before).toBeGreaterThan(7_190_000);
      expect(warm.store).toEqual({ up: true });
      await own.stop();
      // The token API's refresh reads the store: it finds it down, and still answers.
      const token = await signer.getAccessToken();
      wechat.state.fault = { errcode: 40164, errmsg: `invalid ip 203.0.113.7, not in whitelist (token ${token})` };
      // The backoff after this failure reads Date.now(): waited out on a faked Date below.
      vi.useFakeTimers({ toFake: ['Date'] });
      await expect(signer.refreshAccessToken(token)).rejects.toMatchObject({ code: 'UPSTREAM_FAILED', errcode: 40164, retryAfter: 1 });
      const down = signer.status();
      expect(down.store.up).toBe(false);
      expect(down.store.error).toMatch(/^store\.\w+ failed: /);
      expect(down.lastError).toMatchObject({ api: '/cgi-bin/stable_token', errcode: 40164, hint: expect.stringMatching(/whitelist/) });
      expect(down.accessTokenExpiresAt).toBe(warm.accessTokenExpiresAt);
      const text = JSON.stringify([down, errors]);
      for (const secret of [APP_SECRET, token, wechat.api.currentTicket()!]) expect(text).not.toContain(secret);
      // The next success clears lastError.
      wechat.state.fault = 'ok';
      vi.advanceTimersByTime(1000);
      // WeChat answers the same token, and a forced refresh cannot be counted without the store.
      await expect(signer.refreshAccessToken(token)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', retryAfter: 5 });
      expect(signer.status().lastError).toBeUndefined();
    } finally {
      vi.useRealTimers();
      await own.stop();
    }
  });
});

describe('a store that refuses the lock', () => {
  it('waits for the holder’s value, then answers it', async () => {
    const wechat = faultyWechat();
    const store = memoryStore();
    const signer = createSigner({ appId: APP_ID, appSecret: APP_SECRET, fetch: wechat.fetch, store, onError: () => undefined });
    const stale = await signer.getAccessToken();
    let tries = 0;
    const locked: Store = { ...store, lock: async () => (tries++, undefined) };
    const other = createSigner({ appId: APP_ID, appSecret: APP_SECRET, fetch: wechat.fetch, store: locked, timeout: 300, onError: () => undefined });
    const calls = wechat.api.calls.stableToken;
    const waiting = other.refreshAccessToken(stale);
    // The holder renews once the waiter is waiting (its second try for the lock), not after 50 ms.
    await vi.waitFor(() => expect(tries).toBeGreaterThanOrEqual(2), { interval: 5 });
    await signer.refreshAccessToken(stale);
    const answer = await waiting;
    expect(answer.access_token).not.toBe(stale);
    expect(answer.refreshed).toBe(false);
    // The holder's normal call and forced call; none from the waiter.
    expect(wechat.api.calls.stableToken).toBe(calls + 2);
  });
});
