// @vitest-environment node
// redisStore on a real local Redis Cluster (three masters started by the test), through both
// cluster clients people use: ioredis' Cluster and node-redis' createCluster.
import { Cluster } from 'ioredis';
import { createCluster } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSigner, jsapiSignature, redisStore, type Store } from '../../src/server/index';
import { startRedisCluster } from '../../scripts/system.mjs';
import { APP_ID, APP_SECRET, faultyWechat } from '../helpers/wechatApi';

let cluster: Awaited<ReturnType<typeof startRedisCluster>>;
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster();
}, 700_000);
afterAll(async () => {
  await Promise.all(closers.map((close) => close().catch(() => undefined)));
  await cluster?.stop();
});

async function ioredisCluster() {
  const client = new Cluster(cluster.ports.map((port) => ({ host: '127.0.0.1', port })), { lazyConnect: true });
  client.on('error', () => undefined);
  await client.connect();
  closers.push(() => client.quit());
  return client;
}

async function nodeRedisCluster() {
  const client = createCluster({ rootNodes: cluster.ports.map((port) => ({ url: `redis://127.0.0.1:${port}` })) });
  client.on('error', () => undefined);
  await client.connect();
  closers.push(() => client.close());
  return client;
}

describe.each([
  ['ioredis Cluster', ioredisCluster],
  ['node-redis createCluster', nodeRedisCluster],
] as const)('redisStore with %s', (_, connect) => {
  it('passes the Store contract across slots', async () => {
    const store: Store = redisStore(await connect(), { prefix: `contract:${Math.random()}:` });
    // Keys spread over the three masters.
    for (const key of ['a', 'b', 'c', 'd', 'e', 'f']) {
      await store.set(key, `v-${key}`, 60_000);
      expect(await store.get(key)).toBe(`v-${key}`);
      const token = await store.lock(`${key}:lock`, 10_000);
      expect(token).toEqual(expect.any(String));
      expect(await store.lock(`${key}:lock`, 10_000)).toBeUndefined();
      await store.unlock(`${key}:lock`, 'not-the-owner');
      expect(await store.lock(`${key}:lock`, 10_000)).toBeUndefined();
      await store.unlock(`${key}:lock`, token!);
      expect(await store.lock(`${key}:lock`, 10_000)).toEqual(expect.any(String));
      await store.delete(key);
      expect(await store.get(key)).toBeUndefined();
    }
  });

  it('4 signers × 100 cold sign() calls make 1 token call and 1 ticket call, with every key of the appId on one slot', async () => {
    const wechat = faultyWechat({ latency: 50 });
    const prefix = `burst:${Math.random()}:`;
    const signers = await Promise.all(
      [0, 1, 2, 3].map(async () => createSigner({ appId: APP_ID, appSecret: APP_SECRET, fetch: wechat.fetch, store: redisStore(await connect(), { prefix }) })),
    );
    const results = await Promise.all(signers.flatMap((signer, s) => Array.from({ length: 100 }, (_, i) => signer.sign(`https://h5.example.com/${s}/${i}`))));
    expect(wechat.api.calls).toEqual({ stableToken: 1, token: 0, ticket: 1 });
    for (const r of [results[0], results[399]]) {
      expect(r.signature).toBe(jsapiSignature({ jsapi_ticket: wechat.api.currentTicket()!, noncestr: r.nonceStr, timestamp: r.timestamp, url: r.url }));
    }
    const admin = await ioredisCluster();
    const keys = [`${prefix}{${APP_ID}}:access_token:stable`, `${prefix}{${APP_ID}}:jsapi_ticket`, `${prefix}{${APP_ID}}:jsapi_ticket:lock`];
    const slots = await Promise.all(keys.map((key) => admin.cluster('KEYSLOT', key)));
    expect(new Set(slots).size).toBe(1);
    await expect.poll(() => admin.get(keys[1])).toContain(wechat.api.currentTicket()!);
  });
});
