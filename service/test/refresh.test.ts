// The token API's refresh under the faults of issue 20 (items 1 and 2), over two service processes
// and one real redis-server, against a fake WeChat whose latency and stable_token answers the test
// controls: a caller that reported a token refused never gets that token back with a 200.
import { createClient } from 'redis';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServiceProcess } from './helpers/serviceProcess';
import { startTwoInstances, type TwoInstances } from './helpers/twoInstances';

const A = { appId: 'wx_refresh_a', appSecret: 'SECRET_refresh_a_7d3f0b' };
const KEY = 'key_refresh_tests_4e8a1c2b9d0f';
// The service's keys for A (redisStore's default prefix, the signer's {appId} hash tag, stable mode).
const TOKEN_KEY = `wechat-share:{${A.appId}}:access_token:stable`;
const CODES = ['REFRESH_LIMITED', 'REFRESH_IN_PROGRESS', 'UPSTREAM_FAILED', 'STORE_UNAVAILABLE'];

let setup: TwoInstances | undefined;
let redis: ReturnType<typeof createClient> | undefined;
afterEach(async () => {
  await redis?.quit();
  await setup?.stop();
  redis = setup = undefined;
});

async function start(): Promise<{ setup: TwoInstances; redis: ReturnType<typeof createClient> }> {
  setup = await startTwoInstances(A, { API_KEYS: KEY });
  redis = createClient({ url: setup.redis.url });
  redis.on('error', () => undefined);
  await redis.connect();
  return { setup, redis };
}

const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
const accessToken = async (instance: ServiceProcess): Promise<string> =>
  ((await (await fetch(`${instance.internalUrl}/v1/accounts/${A.appId}/access_token`, { headers })).json()) as { access_token: string }).access_token;

interface Answer {
  status: number;
  retryAfter: string | null;
  body: { access_token?: string; refreshed?: boolean; error?: { code: string; retryAfter: number } };
}
async function refresh(instance: ServiceProcess, stale: string): Promise<Answer> {
  const response = await fetch(`${instance.internalUrl}/v1/accounts/${A.appId}/access_token/refresh`, { method: 'POST', headers, body: JSON.stringify({ stale }) });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as Answer['body'] };
}

// Waits for `check` to pass, for at most `ms`: the event itself, not a fixed sleep.
async function within(ms: number, check: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

// Every answer is a token other than `stale`, or a 503 that says why and when to come back.
function expectNoRefusedToken(answers: Answer[], stale: string): void {
  for (const answer of answers) {
    if (answer.status === 200) {
      expect(answer.body.access_token).toEqual(expect.any(String));
      expect(answer.body.access_token).not.toBe(stale);
    } else {
      expect(answer.status).toBe(503);
      expect(CODES).toContain(answer.body.error?.code);
      expect(answer.retryAfter).toMatch(/^[1-9]\d*$/);
      expect(answer.body.error?.retryAfter).toBe(Number(answer.retryAfter));
    }
  }
}

describe('POST access_token/refresh', () => {
  it('a forced refresh that times out yet is made: 100 callers on two instances, none gets the refused token; GET answers the new one within seconds', async () => {
    const { setup } = await start();
    const wechat = setup.wechat;
    const [first, second] = setup.instances;
    const t0 = await accessToken(first);
    expect(await accessToken(second)).toBe(t0);
    // WeChat makes the forced refresh 5.5 s after it is asked: past the service's 5 s time limit.
    wechat.controls.latencyOf = (path, body) => (path === '/cgi-bin/stable_token' && body?.force_refresh === true ? 5500 : undefined);
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => refresh(setup.instances[i % 2], t0)));
    expectNoRefusedToken(answers, t0);
    expect(wechat.controls.forced).toBe(1);
    const t1 = await wechat.currentToken(A.appId);
    expect(t1).not.toBe(t0);
    for (const answer of answers) if (answer.status === 200) expect(answer.body.access_token).toBe(t1);
    // The held token was reported refused: every instance learns the new one within seconds.
    for (const instance of setup.instances) await within(5000, async () => expect(await accessToken(instance)).toBe(t1));
  }, 40_000);

  it('a refresh lock left by an instance that crashed: 503 REFRESH_IN_PROGRESS with Retry-After, never 200 with the same token', async () => {
    const { setup, redis } = await start();
    const [first, second] = setup.instances;
    const t0 = await accessToken(first);
    await accessToken(second);
    // What a crashed instance leaves: its lock, with the TTL it took it for (2 x the 5 s time limit).
    await redis.set(`${TOKEN_KEY}:lock`, 'crashed-instance', { PX: 10_000 });
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => refresh(setup.instances[i % 2], t0)));
    expectNoRefusedToken(answers, t0);
    for (const answer of answers) {
      expect(answer).toMatchObject({ status: 503, retryAfter: '5', body: { error: { code: 'REFRESH_IN_PROGRESS', retryAfter: 5 } } });
    }
    expect(setup.wechat.controls.forced).toBe(0);
    // GET keeps answering the held token: its callers did not say it failed.
    expect(await accessToken(second)).toBe(t0);
    // Once the lock has expired, the next attempt refreshes.
    await within(10_000, async () => expect(await redis.exists(`${TOKEN_KEY}:lock`)).toBe(0));
    const after = await refresh(second, t0);
    expect(after).toMatchObject({ status: 200, body: { refreshed: true } });
    expect(after.body.access_token).not.toBe(t0);
    expect(setup.wechat.controls.forced).toBe(1);
  }, 40_000);

  it('holds the daily cap of 20 forced refreshes across instances, and says when the next can be', async () => {
    const { setup, redis } = await start();
    const [first, second] = setup.instances;
    const t0 = await accessToken(first);
    await accessToken(second);
    // 19 forced refreshes earlier today, by any instance; the oldest frees its slot in 2 hours.
    const now = Date.now();
    const day = 24 * 60 * 60 * 1000;
    for (let i = 1; i <= 19; i++) {
      const age = day - 2 * 60 * 60 * 1000 - (i - 1) * 60_000;
      await redis.set(`${TOKEN_KEY}:force:${i}`, String(now - age), { PX: day - age });
    }
    const twentieth = await refresh(first, t0);
    expect(twentieth).toMatchObject({ status: 200, body: { refreshed: true } });
    expect(setup.wechat.controls.forced).toBe(1);
    const t1 = twentieth.body.access_token!;
    // Past the 30 s window (its key gone), on either instance: the cap, not the window, refuses.
    for (const instance of [second, first]) {
      await redis.del(TOKEN_KEY + ':force');
      const capped = await refresh(instance, t1);
      expect(capped).toMatchObject({ status: 503, body: { error: { code: 'REFRESH_LIMITED' } } });
      const retryAfter = Number(capped.retryAfter);
      expect(retryAfter).toBeGreaterThan(2 * 60 * 60 - 30);
      expect(retryAfter).toBeLessThanOrEqual(2 * 60 * 60);
    }
    expect(setup.wechat.controls.forced).toBe(1);
  }, 40_000);

  it('asks WeChat normally first: a token it already replaced is learnt without a forced call', async () => {
    const { setup } = await start();
    const [first, second] = setup.instances;
    const t0 = await accessToken(first);
    await accessToken(second);
    // Another system forced a refresh: WeChat refuses t0 and answers t1.
    const t1 = await setup.wechat.forceRefresh(A.appId);
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => refresh(setup.instances[i % 2], t0)));
    for (const answer of answers) expect(answer).toMatchObject({ status: 200, body: { access_token: t1 } });
    expect(setup.wechat.controls.forced).toBe(0);
    for (const instance of setup.instances) expect(await accessToken(instance)).toBe(t1);
  }, 40_000);
});
