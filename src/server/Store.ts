/**
 * Where a signer keeps the access_token and the jsapi_ticket, and its refresh lock. Share one
 * store between instances (see {@link redisStore}) so that they share one token and ticket.
 * Every value is a string; every time is in milliseconds.
 */
export interface Store {
  /** The value at `key`, or `undefined` when there is none or it expired. */
  get(key: string): Promise<string | undefined>;
  /** Stores `value` at `key` for `ttl` ms. */
  set(key: string, value: string, ttl: number): Promise<void>;
  /** Removes `key`. */
  delete(key: string): Promise<void>;
  /**
   * Takes the lock `key` for `ttl` ms (`SET key token NX PX ttl`): resolves with the owner's
   * token, or `undefined` when someone else holds it.
   */
  lock(key: string, ttl: number): Promise<string | undefined>;
  /** Releases the lock `key` if, and only if, `token` still owns it. */
  unlock(key: string, token: string): Promise<void>;
  /**
   * Optional, synchronous: whether the store's connection is up now (for example node-redis's
   * `isReady`). After a failure the signer pauses store calls (1 s doubling to 30 s); a store
   * that says `false` when a call failed and `true` later ends that pause at once, so a Redis
   * that comes back is used as soon as it answers, not after the pause.
   * @default undefined: the pause runs its course
   */
  ready?(): boolean;
}
