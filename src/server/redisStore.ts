import { randomUUID } from 'node:crypto';
import type { Store } from './Store';

/**
 * The part of a client from the `redis` package (node-redis 4 or 5) that {@link redisStore} uses.
 * Pass the connected client itself.
 */
export interface RedisClientLike {
  get(key: string): Promise<string | null | unknown>;
  set(key: string, value: string, options: { PX: number; NX?: boolean }): Promise<string | null | unknown>;
  del(key: string): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

// Deletes the lock only while it still holds the owner's token (the Redis docs' pattern for
// SET NX locks), so an owner whose lock expired cannot release someone else's.
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/**
 * A {@link Store} in Redis, shared by every instance that uses the same Redis and prefix. The
 * refresh lock is `SET key token NX PX ttl`, released only by its owner.
 *
 * @param client - a connected client from the `redis` package (`createClient().connect()`)
 * @param options.prefix - prepended to every key. @default 'wechat-share:'
 * @example
 * import { createClient } from 'redis';
 * const client = await createClient({ url: process.env.REDIS_URL }).connect();
 * const signer = createSigner({ appId, appSecret, store: redisStore(client) });
 */
export function redisStore(client: RedisClientLike, options: { prefix?: string } = {}): Store {
  const prefix = options.prefix ?? 'wechat-share:';
  return {
    async get(key) {
      const value = await client.get(prefix + key);
      return typeof value === 'string' ? value : undefined;
    },
    async set(key, value, ttl) {
      await client.set(prefix + key, value, { PX: Math.max(1, Math.ceil(ttl)) });
    },
    async delete(key) {
      await client.del(prefix + key);
    },
    async lock(key, ttl) {
      const token = randomUUID();
      const reply = await client.set(prefix + key, token, { NX: true, PX: Math.max(1, Math.ceil(ttl)) });
      return reply === 'OK' ? token : undefined;
    },
    async unlock(key, token) {
      await client.eval(RELEASE, { keys: [prefix + key], arguments: [token] });
    },
  };
}
