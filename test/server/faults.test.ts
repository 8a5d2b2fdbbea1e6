// @vitest-environment node
// The signer under faults, for real: a redis-server killed, paused (CLIENT PAUSE) and restarted,
// a lock holder that died, and a fake WeChat API that hangs, answers HTTP 500 or one errcode.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSigner, jsapiSignature, memoryStore, redisStore, WechatApiError, type SignerOptions } from '../../src/server/index';
import { startRedis } from '../../scripts/system.mjs';
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

async function timed<T>(work: Promise<T>) {
  const start = performance.now();
  const value = await work;
  return { value, ms: performance.now() - start };
}

const validFor = (ticket: string | undefined, r: { nonceStr: string; timestamp: number; url: string; signature: string }) =>
  r.signature === jsapiSignature({ jsapi_ticket: ticket!, noncestr: r.nonceStr, timestamp: r.timestamp, url: r.url });

describe('Redis killed, then restarted', () => {
  // This block kills the shared server: it runs on a Redis of its own.
  let own: RedisServer;
  afterEach(async () => {
    await own?.stop();
  });

  it('warm signing goes on, a cold instance answers within timeout + storeTimeout, and the store is used again after the restart', async () => {
    own = await startRedis();
    const { wechat, signer } = await setup({}, {});
    const store = redisStore(await client(own.url), { prefix: 'killed:' });
    const warm = signer({ store });
    await warm.sign(PAGE);
    const cold = signer({ store });

    await own.stop();
    for (let i = 0; i < 50; i++) {
      const { value, ms } = await timed(warm.sign(PAGE));
      expect(validFor(wechat.api.currentTicket(), value)).toBe(true);
      expect(ms).toBeLessThan(50);
    }
    const before = wechat.state.upstream;
    const { value, ms } = await timed(cold.sign(PAGE));
    expect(validFor(wechat.api.currentTicket(), value)).toBe(true);
    // 300 ms store timeout, then WeChat directly (stable_token: the same token for everyone).
    expect(ms).toBeLessThan(500 + 300 + 200);
    expect(wechat.state.upstream - before).toBe(2);

    own = await startRedis(own.port);
    const fresh = await client(own.url);
    const later = signer({ store });
    await expect.poll(async () => (await later.sign(PAGE)) && (await fresh.get(`killed:{${APP_ID}}:jsapi_ticket`)), { timeout: 5000 }).toContain(
      wechat.api.currentTicket(),
    );
  });
});

describe('Redis paused (CLIENT PAUSE)', () => {
  it('answers warm calls at once and cold ones within storeTimeout, not after the pause', async () => {
    const { wechat, signer } = await setup();
    const warm = signer();
    await warm.sign(PAGE);
    const cold = signer();
    const admin = await client();
    await admin.sendCommand(['CLIENT', 'PAUSE', '2000', 'ALL']);
    try {
      const w = await timed(warm.sign(PAGE));
      expect(w.ms).toBeLessThan(50);
      const c = await timed(cold.sign(PAGE));
      expect(validFor(wechat.api.currentTicket(), c.value)).toBe(true);
      expect(c.ms).toBeLessThan(300 + 500);
    } finally {
      await admin.sendCommand(['CLIENT', 'UNPAUSE']);
    }
  });
});

describe('warm signing', () => {
  it('makes 0 Redis commands for 1,000 warm sign() calls', async () => {
    const { signer } = await setup();
    const s = signer();
    await s.sign(PAGE);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the background write lands
    const admin = await client();
    const processed = async () => Number(/total_commands_processed:(\d+)/.exec(await admin.info('stats'))![1]);
    const before = await processed();
    await Promise.all(Array.from({ length: 1000 }, (_, i) => s.sign(`${PAGE}?i=${i}`)));
    // The second INFO is the only command in between.
    expect((await processed()) - before).toBe(1);
  });
});

describe('a lock holder that died', () => {
  it.each([
    ['with its lock left without a TTL', []],
    ['with a lock that has a long TTL', ['PX', '600000']],
  ])('%s: a cold start waits at most timeout per lock, then fetches itself', async (_, ttl) => {
    const { wechat, signer, prefix } = await setup();
    const admin = await client();
    for (const key of [`{${APP_ID}}:access_token:stable:lock`, `{${APP_ID}}:jsapi_ticket:lock`]) {
      await admin.sendCommand(['SET', `${prefix}${key}`, 'dead-owner', ...ttl]);
    }
    const { value, ms } = await timed(signer().sign(PAGE));
    expect(validFor(wechat.api.currentTicket(), value)).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(2 * 500 - 20);
    expect(ms).toBeLessThan(2 * 500 + 500);
  });
});

describe('the refresh lock', () => {
  it('is held with a TTL of 2 x timeout while a fetch runs', async () => {
    const { wechat, signer, prefix } = await setup({ timeout: 800 });
    wechat.state.fault = 'hang';
    const pending = signer().sign(PAGE).catch((e) => e);
    const admin = await client();
    const key = `${prefix}{${APP_ID}}:access_token:stable:lock`;
    await expect.poll(() => admin.pTTL(key)).toBeGreaterThan(0);
    const ttl = await admin.pTTL(key);
    expect(ttl).toBeGreaterThan(1400);
    expect(ttl).toBeLessThanOrEqual(1600);
    expect(await pending).toBeInstanceOf(WechatApiError);
    // Released by its owner once the fetch failed, not left to expire.
    await expect.poll(() => admin.exists(key)).toBe(0);
  });
});

describe('WeChat hanging during the early-refresh window', () => {
  it('answers from the still-valid ticket in milliseconds while one refresh waits', async () => {
    // expires_in 2 s, margin 1.5 s: due after 1 s (half of expires_in), valid until 2 s.
    const { wechat, signer } = await setup({ refreshMargin: 1.5, timeout: 5000 }, { expiresIn: 2 });
    const s = signer();
    await s.sign(PAGE);
    const ticket = wechat.api.currentTicket();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    wechat.state.fault = 'hang';
    const before = wechat.state.upstream;
    for (let i = 0; i < 20; i++) {
      const { value, ms } = await timed(s.sign(PAGE));
      expect(validFor(ticket, value)).toBe(true);
      expect(ms).toBeLessThan(50);
    }
    // One background refresh each for the token and the ticket, both hanging; nothing else starts.
    await expect.poll(() => wechat.state.upstream - before).toBe(2);
    for (let i = 0; i < 20; i++) await s.sign(PAGE);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(wechat.state.upstream - before).toBe(2);
  });
});

describe('backoff', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('300 sign() calls over 3.5 s against HTTP 500 cost at most 4 upstream calls, each settling at once', async () => {
    const { wechat, signer } = await setup();
    wechat.state.fault = 'http500';
    const s = signer();
    const slowest: number[] = [];
    const start = Date.now();
    for (let i = 0; i < 300; i++) {
      const { value, ms } = await timed(s.sign(PAGE).catch((e) => e));
      expect(value).toBeInstanceOf(WechatApiError);
      slowest.push(ms);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, start + (i * 3500) / 300 - Date.now())));
    }
    expect(wechat.state.upstream).toBeGreaterThanOrEqual(2);
    expect(wechat.state.upstream).toBeLessThanOrEqual(4);
    expect(Math.max(...slowest)).toBeLessThan(100);
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
