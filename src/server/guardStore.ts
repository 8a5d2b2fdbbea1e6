import { report, type WechatErrorEvent } from './callWechatApi';
import { withTimeout } from '../shared/withTimeout';
import { redact } from './redact';
import type { Store } from './Store';

/** Options of {@link guardStore}. */
export interface GuardStoreOptions {
  /** Time limit of each store call, in ms. */
  timeout: number;
  /** Told of each failed or timed-out store call, redacted. */
  onError?: (event: WechatErrorEvent) => void;
  /** The values to keep out of reported messages (a Redis error can quote a command's arguments). */
  secrets: () => Iterable<string | undefined>;
}

/** The store as {@link guardStore} last saw it. */
export interface StoreHealth {
  /** `false` while calls are paused after a failure. */
  up: boolean;
  /** The last failure, redacted; kept while down. */
  error?: string;
}

/** A guarded store, which also tells how it is doing, from memory. */
export interface GuardedStore extends Store {
  /** Synchronous: no store call. */
  health(): StoreHealth;
}

/** Shortest and longest pause of store calls after a failure, in ms. */
const DOWN_MIN = 1000;
const DOWN_MAX = 30_000;

/**
 * `store` with a time limit on every call, and a memory of outages: after a call fails or
 * times out, calls fail at once for 1 s, doubling per consecutive failure up to 30 s, and the
 * first success clears it; a store whose `ready()` was `false` at the failure and is `true` now
 * is asked again at once. So a Redis that is down or paused costs one `timeout` per pause,
 * not one per request, and the signer falls back to its in-process copy and to WeChat itself.
 * Clients such as node-redis and ioredis queue commands while disconnected; the time limit is
 * what turns that queue into an answer.
 */
export function guardStore(store: Store, options: GuardStoreOptions): GuardedStore {
  let failures = 0;
  let downUntil = 0;
  let lastFailure: string | undefined;
  // Whether the store said it was disconnected when the last call failed: its return to `true`
  // then ends the pause (Store.ready).
  let failedDisconnected = false;
  const paused = () => Date.now() < downUntil && !(failedDisconnected && store.ready?.() === true);

  async function guarded<T>(name: keyof Store, call: () => Promise<T>): Promise<T> {
    if (paused()) throw new Error(`store.${name} skipped: the store failed moments ago`);
    const started = Date.now();
    try {
      const result = await withTimeout(call(), options.timeout);
      failures = 0;
      downUntil = 0;
      return result;
    } catch (error) {
      downUntil = Date.now() + Math.min(DOWN_MIN * 2 ** failures, DOWN_MAX);
      failedDisconnected = store.ready?.() === false;
      failures++;
      const reason = redact(String((error as Error)?.message ?? error), options.secrets());
      lastFailure = `store.${name} failed: ${reason}`;
      report(options.onError, { api: `store.${name}`, message: lastFailure, durationMs: Date.now() - started });
      throw new Error(`store.${name} failed`);
    }
  }

  return {
    get: (key) => guarded('get', () => store.get(key)),
    set: (key, value, ttl) => guarded('set', () => store.set(key, value, ttl)),
    delete: (key) => guarded('delete', () => store.delete(key)),
    lock: (key, ttl) => guarded('lock', () => store.lock(key, ttl)),
    unlock: (key, token) => guarded('unlock', () => store.unlock(key, token)),
    health: () => (paused() ? { up: false, error: lastFailure } : { up: true }),
  };
}
