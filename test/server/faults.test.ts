// @vitest-environment node
// The signer under faults, for real: a redis-server killed, paused (CLIENT PAUSE) and restarted,
// a lock holder that died, and a fake WeChat API that hangs, answers HTTP 500 or one errcode.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSigner, jsapiSignature, memoryStore, redisStore, WechatApiError, type SignerOptions, type Store, type WechatErrorEvent } from '../../src/server/index';
import { startRedis } from '../../scripts/system.mjs';
import { until } from '../helpers/until';
import { APP_ID, APP_SECRET, faultyWechat } from '../helpers/wechatApi';
import { useRedis, type RedisServer } from './useRedis';

const { client } = useRedis();

const PAGE = 'https://h5.example.com/page';
let prefix = 0;
async function setup(options: Partial<SignerOptions> = {}, fake: Parameters<typeof faultyWechat>[0] = {}) {
  const wechat = faultyWechat(fake);
  const store = redisStore(await client(), { prefix: `faults${++prefix}:` });
  const signer = (extra: Partial<SignerOptions> = {}) =>
    createSigner({ appId: APP_ID, appSecret: APP_SECRET, fetch: wechat.fetch, store, timeout: 500, storeTimeout: 300, ...options, ...extra });
  return { wechat, store, signer, prefix: `faults${prefix}:` };
}

// `store`, with each call it is asked for written down as 'name key' (ttl too for a lock).
function counted(store: Store) {
  const calls: string[] = [];
  const wrapped: Store = {
    get: (key) => (calls.push(`get ${key}`), store.get(key)),
    set: (key, value, ttl) => (calls.push(`set ${key}`), store.set(key, value, ttl)),
    delete: (key) => (calls.push(`delete ${key}`), store.delete(key)),
    lock: (key, ttl) => (calls.push(`lock ${key} ${ttl}`), store.lock(key, ttl)),
    unlock: (key, token) => (calls.push(`unlock ${key}`), store.unlock(key, token)),
    ready: () => store.ready?.() ?? true,
  };
  return { store: wrapped, calls };
}

const TOKEN_KEY = `{${APP_ID}}:access_token:stable`;
const TICKET_KEY = `{${APP_ID}}:jsapi_ticket`;

// The first sign()'s background writes have landed: both values are in Redis and both locks freed
// (each lock is freed after its value's write).
async function written(admin: Awaited<ReturnType<ReturnType<typeof useRedis>['client']>>, prefix: string) {
  await until(
    async () => (await admin.exists([`${prefix}${TOKEN_KEY}`, `${prefix}${TICKET_KEY}`])) === 2 && (await admin.exists([`${prefix}${TOKEN_KEY}:lock`, `${prefix}${TICKET_KEY}:lock`])) === 0,
    'the background writes',
  );
}

const validFor = (ticket: string | undefined, r: { nonceStr: string; timestamp: number; url: string; signature: string }) =>
  r.signature === jsapiSignature({ jsapi_ticket: ticket!, noncestr: r.nonceStr, timestamp: r.timestamp, url: r.url });

describe('Redis killed, then restarted', () => {
  // This block kills the shared server: it runs on a Redis of its own.
  let own: RedisServer;
  afterEach(async () => {
    await own?.stop();
  });

  it('warm signing goes on without the store, a cold instance answers after one failed store call, and the store is used again after the restart', async () => {
    own = await startRedis();
    const { wechat, signer } = await setup({}, {});
    const { store, calls } = counted(redisStore(await client(own.url), { prefix: 'killed:' }));
    const warm = signer({ store });
    await warm.sign(PAGE);
    await written(await client(own.url), 'killed:');
    const events: WechatErrorEvent[] = [];
    const cold = signer({ store, onError: (event) => events.push(event) });

    await own.stop();
    calls.length = 0;
    const upstream = wechat.state.upstream;
    // Warm: from memory, with neither a store call (which would wait for the dead Redis) nor WeChat.
    for (let i = 0; i < 50; i++) expect(validFor(wechat.api.currentTicket(), await warm.sign(PAGE))).toBe(true);
    expect(calls).toEqual([]);
    expect(wechat.state.upstream).toBe(upstream);
    const value = await cold.sign(PAGE);
    expect(validFor(wechat.api.currentTicket(), value)).toBe(true);
    // Cold: one store read, which fails (the socket closing under it) or which the 300 ms store
    // timeout ends (node-redis queues commands while disconnected), then no further store wait
    // (calls are skipped while it is down) but WeChat directly (stable_token: the same token for
    // everyone). One failed store call, not one per credential or per step.
    expect(events.map((event) => event.api)).toEqual(['store.get']);
    expect(events[0].message).toMatch(/^store\.get failed: (Socket closed unexpectedly|timed out \(300 ms\))$/);
    expect(wechat.state.upstream - upstream).toBe(2);

    own = await startRedis(own.port);
    const fresh = await client(own.url);
    const later = signer({ store });
    await expect.poll(async () => (await later.sign(PAGE)) && (await fresh.get(`killed:{${APP_ID}}:jsapi_ticket`)), { timeout: 5000 }).toContain(
      wechat.api.currentTicket(),
    );
  });
});

describe('Redis paused (CLIENT PAUSE)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('answers warm calls at once and cold ones at storeTimeout, not after the pause', async () => {
    const { wechat, signer, prefix } = await setup();
    const warm = signer();
    await warm.sign(PAGE);
    const admin = await client();
    await written(admin, prefix);
    const cold = signer();
    // 1 s: far longer than the steps below take; Redis queues even this client's UNPAUSE until the
    // pause ends, so the `finally` waits for the real pause to end.
    await admin.sendCommand(['CLIENT', 'PAUSE', '1000', 'ALL']);
    // The signer's timers (the store's time limit, WeChat's) on a fake clock: the paused Redis
    // answers nothing, so nothing but that clock can settle a sign() that waits for it.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      // Warm: settles with the clock standing still.
      expect(validFor(wechat.api.currentTicket(), await warm.sign(PAGE))).toBe(true);
      let value: Awaited<ReturnType<ReturnType<typeof signer>['sign']>> | undefined;
      void cold.sign(PAGE).then((signed) => (value = signed));
      await vi.advanceTimersByTimeAsync(299);
      expect(value).toBeUndefined();
      // The store read's 300 ms limit ends, then WeChat directly (in-memory here), with no other wait.
      await vi.advanceTimersByTimeAsync(1);
      expect(value && validFor(wechat.api.currentTicket(), value)).toBe(true);
    } finally {
      vi.useRealTimers();
      await admin.sendCommand(['CLIENT', 'UNPAUSE']);
    }
  });
});

describe('warm signing', () => {
  it('makes 0 Redis commands for 1,000 warm sign() calls', async () => {
    const { signer, prefix } = await setup();
    const s = signer();
    await s.sign(PAGE);
    const admin = await client();
    await written(admin, prefix);
    const processed = async () => Number(/total_commands_processed:(\d+)/.exec(await admin.info('stats'))![1]);
    const before = await processed();
    await Promise.all(Array.from({ length: 1000 }, (_, i) => s.sign(`${PAGE}?i=${i}`)));
    // The second INFO is the only command in between.
    expect((await processed()) - before).toBe(1);
  });
});

describe('a lock holder that died', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it.each([
    ['with its lock left without a TTL', []],
    ['with a lock that has a long TTL', ['PX', '600000']],
  ])('%s: a cold start waits at most timeout per lock, then fetches itself', async (_, ttl) => {
    const { wechat, signer, prefix, store: redis } = await setup();
    const admin = await client();
    for (const key of [`${TOKEN_KEY}:lock`, `${TICKET_KEY}:lock`]) {
      await admin.sendCommand(['SET', `${prefix}${key}`, 'dead-owner', ...ttl]);
    }
    const { store, calls } = counted(redis);
    // The wait for a lock's holder reads Date.now() (and sleeps 10 to 50 ms of real time between
    // tries, each a real Redis round trip): the deadline is kept on a faked Date, moved here.
    vi.useFakeTimers({ toFake: ['Date'] });
    let value: Awaited<ReturnType<ReturnType<typeof signer>['sign']>> | undefined;
    void signer({ store })
      .sign(PAGE)
      .then((signed) => (value = signed));
    const tries = (key: string) => calls.filter((call) => call.startsWith(`lock ${key} `)).length;
    // The ticket's refresh takes the ticket's lock first, then (for the token it needs) the token's.
    for (const [key, next] of [[`${TICKET_KEY}:lock`, `${TOKEN_KEY}:lock`], [`${TOKEN_KEY}:lock`, undefined]] as const) {
      await until(() => tries(key) >= 2, `a second try for ${key}`);
      // 499 ms into the wait, and two more tries: still waiting for the holder.
      vi.advanceTimersByTime(499);
      const seen = tries(key);
      await until(() => tries(key) >= seen + 2, `two more tries for ${key}`);
      expect(wechat.state.upstream).toBe(0);
      if (next) expect(tries(next)).toBe(0);
      // At 500 ms (timeout) it gives up on the holder and goes on.
      vi.advanceTimersByTime(1);
    }
    await until(() => value, 'the signature');
    expect(validFor(wechat.api.currentTicket(), value!)).toBe(true);
    expect(wechat.state.upstream).toBe(2);
  });
});

describe('the refresh lock', () => {
  it('is held with a TTL of 2 x timeout while a fetch runs', async () => {
    const { wechat, signer, prefix, store: redis } = await setup({ timeout: 800 });
    wechat.state.fault = 'hang';
    const { store, calls } = counted(redis);
    const pending = signer({ store }).sign(PAGE).catch((e) => e);
    const admin = await client();
    const key = `${prefix}${TOKEN_KEY}:lock`;
    await expect.poll(() => admin.pTTL(key)).toBeGreaterThan(0);
    // Asked for 2 x 800 ms, and Redis has it with a TTL (counting down from at most that).
    expect(calls).toContain(`lock ${TOKEN_KEY}:lock 1600`);
    expect(await admin.pTTL(key)).toBeLessThanOrEqual(1600);
    expect(await pending).toBeInstanceOf(WechatApiError);
    // Released by its owner once the fetch failed, not left to expire.
    await expect.poll(() => admin.exists(key)).toBe(0);
  });
});

describe('WeChat hanging during the early-refresh window', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('answers from the still-valid ticket in milliseconds while one refresh waits', async () => {
    // expires_in 2 s, margin 1.5 s: due after 1 s (half of expires_in), valid until 2 s.
    const { wechat, signer, prefix, store: redis } = await setup({ refreshMargin: 1.5, timeout: 5000 }, { expiresIn: 2 });
    const { store, calls } = counted(redis);
    // Expiry reads Date.now(): the 1.1 s into the window pass on a faked Date (real timers stay).
    vi.useFakeTimers({ toFake: ['Date'] });
    const s = signer({ store });
    await s.sign(PAGE);
    const ticket = wechat.api.currentTicket();
    await written(await client(), prefix);
    vi.advanceTimersByTime(1100);
    wechat.state.fault = 'hang';
    const before = wechat.state.upstream;
    const locks = calls.filter((call) => call.startsWith('lock ')).length;
    // Every sign() settles from the still-valid ticket while its refresh hangs (until its 5 s
    // timeout): none of them waits for that refresh.
    for (let i = 0; i < 20; i++) expect(validFor(ticket, await s.sign(PAGE))).toBe(true);
    expect(wechat.state.upstream - before).toBeLessThanOrEqual(2);
    // One background refresh each for the token and the ticket, both hanging; nothing else starts.
    await until(() => wechat.state.upstream - before === 2, 'both refreshes reaching WeChat');
    for (let i = 0; i < 20; i++) await s.sign(PAGE);
    // A second refresh would have asked for its lock by now (synchronously from sign()).
    expect(calls.filter((call) => call.startsWith('lock ')).length - locks).toBe(2);
    expect(wechat.state.upstream - before).toBe(2);
  });
});

describe('backoff', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('300 sign() calls over 3.5 s against HTTP 500 cost 3 upstream calls (at 0 s, 1 s and 3 s), each settling at once', async () => {
    const { wechat, signer } = await setup();
    wechat.state.fault = 'http500';
    // 3.5 s of a fake clock: setTimeout too, so a sign() that waited for any timer (a retry
    // pause, a time limit) would never settle; only the real Redis round trips go on.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const start = Date.now();
    const s = signer();
    const attemptsAt: number[] = [];
    for (let i = 0; i < 300; i++) {
      vi.setSystemTime(start + Math.round((i * 3500) / 300));
      const before = wechat.state.upstream;
      await expect(s.sign(PAGE)).rejects.toBeInstanceOf(WechatApiError);
      if (wechat.state.upstream > before) attemptsAt.push(Date.now() - start);
    }
    // The first call, then one after the 1 s pause and one after the doubled 2 s (from 1003, so
    // until 3003): each at the first sign() (one every 11.67 ms) once its pause is over.
    expect(attemptsAt).toEqual([0, 1003, 3010]);
    expect(wechat.state.upstream).toBe(3);
  });

  it('45009: one call, then the same error at once, and a new attempt only after 1 s', async () => {
    const { wechat, signer } = await setup();
    wechat.state.fault = { errcode: 45009, errmsg: 'reach max api daily quota limit' };
    // The backoff reads Date.now(): 1 s of a faked Date, not of real time, which stands still here.
    vi.useFakeTimers({ toFake: ['Date'] });
    const s = signer();
    await expect(s.sign(PAGE)).rejects.toMatchObject({ errcode: 45009 });
    expect(wechat.state.upstream).toBe(1);
    for (let i = 0; i < 20; i++) await expect(s.sign(PAGE)).rejects.toMatchObject({ errcode: 45009 });
    expect(wechat.state.upstream).toBe(1);
    wechat.state.fault = 'ok';
    // 999 ms is still too soon.
    vi.advanceTimersByTime(999);
    await expect(s.sign(PAGE)).rejects.toMatchObject({ errcode: 45009 });
    expect(wechat.state.upstream).toBe(1);
    vi.advanceTimersByTime(51);
    await s.sign(PAGE);
    expect(wechat.state.upstream).toBe(3);
  });

  it('an errcode-40001 storm over 10 requests costs at most 4 upstream calls', async () => {
    const { wechat, signer } = await setup({ tokenMode: 'classic' });
    const s = signer();
    await s.getAccessToken();
    for (let i = 0; i < 30; i++) wechat.api.failNext('ticket', 40001, 'invalid credential');
    const before = wechat.state.upstream;
    for (let i = 0; i < 10; i++) await expect(s.sign(PAGE)).rejects.toMatchObject({ errcode: 40001 });
    expect(wechat.state.upstream - before).toBeLessThanOrEqual(4);
  });

  it('doubles the pause per failure up to 60 s', async () => {
    const { createCredentialCache } = await import('../../src/server/createCredentialCache');
    let now = 1_000_000;
    const realNow = Date.now;
    Date.now = () => now;
    try {
      let calls = 0;
      const cache = createCredentialCache({
        key: 'k', store: memoryStore(), timeout: 100,
        fetch: async () => {
          calls++;
          throw new Error('down');
        },
      });
      const attemptsAt: number[] = [];
      for (let t = 0; t < 200_000; t += 250) {
        now = 1_000_000 + t;
        const before = calls;
        await cache.get().catch(() => undefined);
        if (calls > before) attemptsAt.push(t);
      }
      const gaps = attemptsAt.slice(1).map((t, i) => t - attemptsAt[i]);
      expect(gaps.slice(0, 7)).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000]);
    } finally {
      Date.now = realNow;
    }
  });
});

describe('expiry edges', () => {
  it('caches when expires_in is at or below refreshMargin (refresh at half of it)', async () => {
    const { wechat, signer } = await setup({ refreshMargin: 300 }, { expiresIn: 200 });
    const s = signer();
    for (let i = 0; i < 10; i++) await s.sign(PAGE);
    expect(wechat.api.calls).toEqual({ stableToken: 1, token: 0, ticket: 1 });
  });

  it('stores a huge expires_in (1e20) clamped to 24 h, and a second instance uses it', async () => {
    const { wechat, signer, prefix } = await setup({}, { expiresIn: 1e20 });
    await signer().sign(PAGE);
    const admin = await client();
    await expect.poll(() => admin.pTTL(`${prefix}{${APP_ID}}:jsapi_ticket`)).toBeGreaterThan(0);
    expect(await admin.pTTL(`${prefix}{${APP_ID}}:jsapi_ticket`)).toBeLessThanOrEqual(24 * 3600 * 1000);
    await signer().sign(PAGE);
    expect(wechat.api.calls).toEqual({ stableToken: 1, token: 0, ticket: 1 });
  });
});
