import { randomUUID } from 'node:crypto';
import type { Store } from './Store';

/**
 * A client from the `redis` package (node-redis 4 or 5): `createClient()` or `createCluster()`.
 * Pass the connected client itself.
 */
export interface NodeRedisClientLike {
  get(key: string): Promise<string | null | unknown>;
  set(key: string, value: string, options: { PX: number; NX?: boolean }): Promise<string | null | unknown>;
  del(key: string): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/** A client from the `ioredis` package: `new Redis()` or `new Redis.Cluster()`. */
export interface IoRedisClientLike {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, px: 'PX', milliseconds: number): Promise<unknown>;
  set(key: string, value: string, px: 'PX', milliseconds: number, nx: 'NX'): Promise<unknown>;
  del(...keys: string[]): Promise<unknown>;
  eval(script: string, numkeys: number, ...args: string[]): Promise<unknown>;
  /** How ioredis clients are told apart from node-redis ones. */
  defineCommand: unknown;
}

/** The Redis clients {@link redisStore} accepts: node-redis 4/5 or ioredis, single node or cluster. */
export type RedisClientLike = NodeRedisClientLike | IoRedisClientLike;

const isIoRedis = (client: RedisClientLike): client is IoRedisClientLike => typeof (client as IoRedisClientLike).defineCommand === 'function';
const ms = (ttl: number) => Math.max(1, Math.ceil(ttl));

// Deletes the lock only while it still holds the owner's token (the Redis docs' pattern for
// SET NX locks), so an owner whose lock expired cannot release someone else's.
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/**
 * A {@link Store} in Redis, shared by every instance that uses the same Redis and prefix. The
 * refresh lock is `SET key token NX PX ttl`, released only by its owner. The signer's keys of
 * one appId share the hash tag `{appId}`, so on a Redis Cluster they live on one slot.
 *
 * The client must have an `'error'` listener: node-redis and ioredis emit `'error'` when the
 * connection drops, and an `EventEmitter` error without a listener ends the Node process. They
 * reconnect by themselves; the signer puts a time limit (`storeTimeout`) on every call meanwhile.
 *
 * @param client - a connected client: node-redis 4/5 (`createClient`, `createCluster`) or
 *   ioredis (`new Redis()`, `new Redis.Cluster()`)
 * @param options.prefix - prepended to every key. @default 'wechat-share:'
 * @example
 * import { createClient } from 'redis';
 * const client = createClient({ url: process.env.REDIS_URL });
 * client.on('error', (error) => console.warn('[redis]', error.message)); // or a drop ends the process
 * await client.connect();
 * const signer = createSigner({ appId, appSecret, store: redisStore(client) });
 * @example
 * import Redis from 'ioredis';
 * const client = new Redis(process.env.REDIS_URL);
 * client.on('error', (error) => console.warn('[redis]', error.message));
 * const signer = createSigner({ appId, appSecret, store: redisStore(client) });
 */
export function redisStore(client: RedisClientLike, options: { prefix?: string } = {}): Store {
  const prefix = options.prefix ?? 'wechat-share:';
  if (isIoRedis(client)) {
    return {
      async get(key) {
        const value = await client.get(prefix + key);
        return typeof value === 'string' ? value : undefined;
      },
      async set(key, value, ttl) {
        await client.set(prefix + key, value, 'PX', ms(ttl));
      },
      async delete(key) {
        await client.del(prefix + key);
      },
      async lock(key, ttl) {
        const token = randomUUID();
        return (await client.set(prefix + key, token, 'PX', ms(ttl), 'NX')) === 'OK' ? token : undefined;
      },
      async unlock(key, token) {
        await client.eval(RELEASE, 1, prefix + key, token);
      },
    };
  }
  return {
    async get(key) {
      const value = await client.get(prefix + key);
      return typeof value === 'string' ? value : undefined;
    },
    async set(key, value, ttl) {
      await client.set(prefix + key, value, { PX: ms(ttl) });
    },
    async delete(key) {
      await client.del(prefix + key);
    },
    async lock(key, ttl) {
      const token = randomUUID();
      return (await client.set(prefix + key, token, { NX: true, PX: ms(ttl) })) === 'OK' ? token : undefined;
    },
    async unlock(key, token) {
      await client.eval(RELEASE, { keys: [prefix + key], arguments: [token] });
    },
  };
}
