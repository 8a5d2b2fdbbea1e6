import { randomUUID } from 'node:crypto';
import type { Store } from './Store';

/**
 * A {@link Store} in this process's memory: the default. Signers that share one memoryStore
 * share their token and ticket; separate processes do not (use {@link redisStore} for that).
 * Expiry follows `Date.now()`.
 */
export function memoryStore(): Store {
  const entries = new Map<string, { value: string; expiresAt: number }>();
  const read = (key: string) => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= Date.now()) entries.delete(key);
    return entries.get(key)?.value;
  };
  const write = (key: string, value: string, ttl: number) => {
    entries.set(key, { value, expiresAt: Date.now() + ttl });
  };
  return {
    async get(key) {
      return read(key);
    },
    async set(key, value, ttl) {
      write(key, value, ttl);
    },
    async delete(key) {
      entries.delete(key);
    },
    async lock(key, ttl) {
      if (read(key) !== undefined) return undefined;
      const token = randomUUID();
      write(key, token, ttl);
      return token;
    },
    async unlock(key, token) {
      if (read(key) === token) entries.delete(key);
    },
  };
}
