// @vitest-environment node
// redisStore against a real redis-server, and the cross-instance refresh lock.
import { Redis as IORedis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSigner, jsapiSignature, memoryStore, redisStore } from '../../src/server/index';
import { server } from '../helpers/msw';
import { startRedis } from '../../scripts/system.mjs';
import { APP_ID, APP_SECRET, fakeWechat } from '../helpers/wechatApi';
import { until } from '../helpers/until';

let redis: Awaited<ReturnType<typeof startRedis>>;
const clients: ReturnType<typeof createClient>[] = [];

async function client() {
  const c = createClient({ url: redis.url });
  c.on('error', () => undefined);
  await c.connect();
  clients.push(c);
  return c;
}

beforeAll(async () => {
  redis = await startRedis();
}, 700_000);

const ioClients: IORedis[] = [];
async function ioClient() {
  const c = new IORedis(redis.url, { lazyConnect: true });
  c.on('error', () => undefined);
  await c.connect();
  ioClients.push(c);
  return c;
}

afterAll(async () => {
  await Promise.all(clients.map((c) => c.quit()));
  await Promise.all(ioClients.map((c) => c.quit()));
  await redis?.stop();
});

// The Store contract, for both stores: the Redis one against a real redis-server.
describe.each([
  ['memoryStore', async () => memoryStore()],
  ['redisStore with node-redis', async () => redisStore(await client(), { prefix: `contract:${Math.random()}:` })],
  ['redisStore with ioredis', async () => redisStore(await ioClient(), { prefix: `contract:${Math.random()}:` })],
] as const)('%s', (_, makeStore) => {
  it('gets, sets with a ttl in ms, and deletes', async () => {
    const store = await makeStore();
    await store.set('k', 'v', 60_000);
    expect(await store.get('k')).toBe('v');
    await store.set('short', 'v', 30);
    // Redis's own clock expires it (a real process): polled, bounded, instead of sleeping past it.
    await until(async () => (await store.get('short')) === undefined, 'the 30 ms ttl expiring', 2000);
    await store.delete('k');
    expect(await store.get('k')).toBeUndefined();
    expect(await store.get('never-set')).toBeUndefined();
  });

  it('locks once, lets only the owner unlock, and frees an abandoned lock after its ttl', async () => {
    const store = await makeStore();
    const token = await store.lock('lock', 10_000);
    expect(token).toEqual(expect.any(String));
    expect(await store.lock('lock', 10_000)).toBeUndefined();
    await store.unlock('lock', 'not-the-owner');
    expect(await store.lock('lock', 10_000)).toBeUndefined();
    await store.unlock('lock', token!);
    expect(await store.lock('lock', 50)).toEqual(expect.any(String));
    // Abandoned: freed by its 50 ms ttl on Redis's own clock (a real process), polled and bounded.
    await until(async () => (await store.lock('lock', 60_000)) !== undefined, 'the abandoned lock freed by its ttl', 2000);
  });
});

describe('redisStore', () => {
  it('keeps keys under its prefix with a ttl in ms', async () => {
    const c = await client();
    await redisStore(c, { prefix: 't1:' }).set('k', 'v', 60_000);
    expect(await c.get('t1:k')).toBe('v');
    const ttl = await c.pTTL('t1:k');
    expect(ttl).toBeGreaterThan(59_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('shares a lock between two clients', async () => {
    const [a, b] = [redisStore(await client(), { prefix: 't2:' }), redisStore(await client(), { prefix: 't2:' })];
    const token = await a.lock('lock', 10_000);
    expect(await b.lock('lock', 10_000)).toBeUndefined();
    await a.unlock('lock', token!);
    expect(await b.lock('lock', 10_000)).toEqual(expect.any(String));
  });
});

describe('signers sharing one Redis', () => {
  it('4 signers × 100 concurrent cold sign() calls make 1 token call and 1 ticket call in total', async () => {
    const { api, handler } = fakeWechat({ latency: 50 });
    server.use(handler);
    // One client each, as four processes would have.
    const signers = await Promise.all(
      [0, 1, 2, 3].map(async () => createSigner({ appId: APP_ID, appSecret: APP_SECRET, store: redisStore(await client(), { prefix: 'burst:' }) })),
    );
    const results = await Promise.all(signers.flatMap((signer, s) => Array.from({ length: 100 }, (_, i) => signer.sign(`https://h5.example.com/${s}/${i}`))));
    expect(results).toHaveLength(400);
    expect(api.calls).toEqual({ stableToken: 1, token: 0, ticket: 1 });
    for (const r of results.slice(0, 5).concat(results.slice(-5))) {
      expect(r.signature).toBe(jsapiSignature({ jsapi_ticket: api.currentTicket()!, noncestr: r.nonceStr, timestamp: r.timestamp, url: r.url }));
    }
  });

  it('a new instance uses the ticket already in Redis without calling WeChat', async () => {
    const { api, handler } = fakeWechat();
    server.use(handler);
    const first = createSigner({ appId: APP_ID, appSecret: APP_SECRET, store: redisStore(await client(), { prefix: 'warm:' }) });
    await first.sign('https://h5.example.com/');
    const second = createSigner({ appId: APP_ID, appSecret: APP_SECRET, store: redisStore(await client(), { prefix: 'warm:' }) });
    await second.sign('https://h5.example.com/');
    expect(api.calls).toEqual({ stableToken: 1, token: 0, ticket: 1 });
  });
});
