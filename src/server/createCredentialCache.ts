import type { Store } from './Store';
import { TokenRefreshError } from './TokenRefreshError';
import { WechatApiError } from './WechatApiError';

/** A cached credential (access_token or jsapi_ticket) and its two deadlines, in ms since the epoch. */
export interface Entry {
  value: string;
  /** From here on a background refresh runs while the value keeps serving. */
  refreshAt: number;
  /** From here on the value is unusable. */
  expiresAt: number;
}

/** Options of {@link createCredentialCache}. */
export interface CredentialCacheOptions {
  /** The store key of the value; the lock is `${key}:lock`. */
  key: string;
  /** The shared store, already guarded with a time limit on each call (see guardStore). */
  store: Store;
  /** Upstream time limit in ms: the longest wait for another instance's lock; the lock's TTL is twice it. */
  timeout: number;
  /** Fetches a value from WeChat (or the provider): when none is held or it is due for refresh. */
  fetch: () => Promise<Entry>;
  /**
   * Asks which value is in force upstream without replacing it (stable_token's normal call):
   * how a value that a renewal could not replace is checked again (see `renew()`). Without it,
   * only the store is read again.
   */
  current?: () => Promise<Entry>;
  /** The API named by a {@link TokenRefreshError} of `renew()`, such as `/cgi-bin/stable_token`. @default 'upstream' */
  api?: string;
}

/** What {@link CredentialCache.renew} resolves with. */
export interface Renewal {
  entry: Entry;
  /** Whether this call (or one it joined) replaced the value. */
  renewed: boolean;
}

/** One credential, cached in this process and in the store. */
export interface CredentialCache {
  /** The value: from memory until `refreshAt`, then stale-while-revalidate until `expiresAt`. */
  get(): Promise<string>;
  /** The value with its deadlines, as `get()` finds it. */
  entry(): Promise<Entry>;
  /**
   * Replaces the value only when `stale` is still the current one, compared under the store's
   * lock with the store's value (the in-process copy when the store is down); otherwise
   * resolves with the current value, `renewed: false`. Callers in this process holding the same
   * `stale` share one renewal; other instances wait on the lock for its value. `attempt` fetches
   * a value other than `stale`, or throws a {@link TokenRefreshError}; `contended` is true when
   * another instance still holds the lock after `timeout` ms. Never resolves with `stale`:
   * rejects with a {@link TokenRefreshError} instead (`UPSTREAM_FAILED` for any other failure,
   * with the backoff's wait as `retryAfter`), and the value in hand is then checked again on use
   * (invariant 7). Subject to backoff.
   */
  renew(stale: string, attempt: (contended: boolean) => Promise<Entry>): Promise<Renewal>;
  /**
   * The value in memory while it is before its `refreshAt` (what `get()` would answer without a
   * store call or a refresh), else `undefined`: the warm path of `sign()`, without a promise.
   */
  fresh(): string | undefined;
  /** The value in memory, valid or not: what must never appear in an error. */
  peek(): string | undefined;
  /** The entry in memory, valid or not; no store call. */
  peekEntry(): Entry | undefined;
}

/** First and longest pause after a failed refresh, in ms. */
export const BACKOFF_MIN = 1000;
export const BACKOFF_MAX = 60_000;

/** First and longest pause between two checks of a value that a renewal could not replace, in ms. */
export const RECHECK_MIN = 1000;
export const RECHECK_MAX = 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function parseEntry(raw: string | undefined): Entry | undefined {
  if (!raw) return undefined;
  try {
    const entry = JSON.parse(raw) as Entry;
    // An empty value is no credential: signing with it gives a signature nothing accepts (the
    // bug silenceper/wechat fixed in PR #883). It counts as a miss.
    return typeof entry?.value === 'string' && entry.value !== '' && Number.isFinite(entry.refreshAt) && Number.isFinite(entry.expiresAt) ? entry : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The cache behind each credential. Its invariants, in the order `get()` relies on them:
 *
 * 1. Warm: until `refreshAt` the in-process copy answers and the store is not touched.
 * 2. Stale-while-revalidate: from `refreshAt` to `expiresAt` the copy still answers at once,
 *    and one background refresh runs (one per process; one across instances through the lock).
 * 3. Cold (nothing valid in memory): one store read shared by every waiting caller, then one
 *    refresh shared likewise.
 * 4. A refresh takes the store's lock (`SET NX PX`, TTL 2 x `timeout`) and re-reads the store
 *    under it. When another instance holds the lock, it waits for that instance's value at most
 *    `timeout` ms (taking the lock if it frees first without one), then fetches itself (a dead
 *    holder costs one `timeout`). When the store fails, it fetches directly: safe with
 *    stable_token, which answers every caller alike.
 * 5. Backoff: after a failed refresh no new attempt is made for 1 s, doubling per consecutive
 *    failure up to 60 s; meanwhile a still-valid value serves and otherwise the last error
 *    rejects at once. `renew()` is under the same backoff.
 * 6. Renewal on request (`renew(stale)`, the central token server's refresh): the value is
 *    replaced only when `stale` is still the current one, compared under the lock with the
 *    store's value, so any number of callers on any number of instances holding one stale
 *    value cause one fetch. A lock still held after `timeout` means a slow renewal elsewhere
 *    (or a dead holder's lock, waiting for its TTL): `attempt` is told, and may only ask which
 *    value is in force (stable_token) or reject. `renew()` never answers `stale`.
 * 7. A value that a renewal could not replace is doubted: it keeps answering (only its reporter
 *    said it failed), but each use checks again, at most once per 1 s doubling to 60 s, whether
 *    the store or the upstream (`current`) has another one, and takes it. So a refresh that
 *    landed late (a forced stable_token call that timed out yet was made) is learnt in seconds.
 * Store failures never reject: they count as a miss (the store is guarded with a time limit).
 */
export function createCredentialCache(options: CredentialCacheOptions): CredentialCache {
  const { key, store, timeout } = options;
  const lockKey = `${key}:lock`;
  let local: Entry | undefined;
  let loading: Promise<Entry> | undefined;
  let refreshing: Promise<Entry> | undefined;
  let failures = 0;
  let retryAt = 0;
  let lastError: unknown;
  const renewals = new Map<string, Promise<Renewal>>();
  // Invariant 7.
  let doubted: string | undefined;
  let recheckAt = 0;
  let recheckPause = RECHECK_MIN;
  let rechecking = false;

  const readStore = () => store.get(key).then(parseEntry, () => undefined);
  const usable = (entry: Entry | undefined): entry is Entry => !!entry && Date.now() < entry.refreshAt;
  const valid = (entry: Entry | undefined): entry is Entry => !!entry && Date.now() < entry.expiresAt;

  // Frees the lock off the request path; a store that fails here lets its TTL free it.
  function release(lock: string | undefined): void {
    if (lock) void store.unlock(lockKey, lock).catch(() => undefined);
  }

  // Writes the new value, then frees the lock, off the request path: the caller has its value.
  function persist(entry: Entry, lock: string | undefined): void {
    void store
      .set(key, JSON.stringify(entry), entry.expiresAt - Date.now())
      .catch(() => undefined)
      .finally(() => release(lock));
  }

  // The refresh lock (invariant 4): `lock` when taken. While another holder has it, that
  // holder's value once it lands (`found`, when `accept` takes it), or the lock as soon as it
  // frees, for at most `timeout` ms. `storeUp` is false when the store failed.
  async function lockOrWait(accept: (entry: Entry | undefined) => entry is Entry): Promise<{ lock?: string; storeUp: boolean; found?: Entry }> {
    let lock: string | undefined;
    try {
      lock = await store.lock(lockKey, 2 * timeout);
    } catch {
      return { storeUp: false };
    }
    const deadline = Date.now() + timeout;
    for (let wait = 10; !lock && Date.now() < deadline; wait = Math.min(wait * 2, 50)) {
      await sleep(Math.min(wait, Math.max(deadline - Date.now(), 0)));
      const stored = await readStore();
      if (accept(stored)) return { storeUp: true, found: stored };
      lock = await store.lock(lockKey, 2 * timeout).catch(() => undefined);
    }
    return { lock, storeUp: true };
  }

  async function fetchUnderLock(): Promise<Entry> {
    const { lock, found } = await lockOrWait(usable);
    if (found) return found;
    if (lock) {
      // Re-read under the lock: another instance may have written just before it freed it.
      const stored = await readStore();
      if (usable(stored)) {
        release(lock);
        return stored;
      }
    }
    let entry: Entry;
    try {
      entry = await options.fetch();
    } catch (error) {
      release(lock);
      throw error;
    }
    persist(entry, lock);
    return entry;
  }

  // Backoff around every fetch: `refresh()` and `renew()` alike. A limit that refused a renewal
  // (a TokenRefreshError from its `attempt`) is no upstream failure: it does not count. (A fetch
  // that fails with one, as the ticket's does when the token could not be renewed, does.)
  async function backedOff<T>(run: () => Promise<T>, renewal = false): Promise<T> {
    if (Date.now() < retryAt) throw lastError;
    try {
      const result = await run();
      failures = 0;
      retryAt = 0;
      return result;
    } catch (error) {
      if (renewal && error instanceof TokenRefreshError) throw error;
      lastError = error;
      retryAt = Date.now() + Math.min(BACKOFF_MIN * 2 ** failures, BACKOFF_MAX);
      failures++;
      throw error;
    }
  }

  // The one refresh in flight in this process, with the backoff around it.
  function refresh(): Promise<Entry> {
    refreshing ??= backedOff(async () => (local = await fetchUnderLock())).finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  }

  // Cold: the store first (another instance may have the value), then a refresh.
  function load(): Promise<Entry> {
    loading ??= (async () => {
      const stored = await readStore();
      if (stored && Date.now() < stored.expiresAt) {
        local = stored;
        if (Date.now() >= stored.refreshAt) refresh().catch(() => undefined);
        return stored;
      }
      return refresh();
    })().finally(() => {
      loading = undefined;
    });
    return loading;
  }

  async function renewUnderLock(stale: string, attempt: (contended: boolean) => Promise<Entry>): Promise<Renewal> {
    const current = (entry: Entry | undefined): entry is Entry => valid(entry) && entry.value !== stale;
    const taken = await lockOrWait(current);
    if (taken.found) return { entry: (local = taken.found), renewed: false };
    let { lock } = taken;
    try {
      // The store's value decides; the in-process copy stands in when the store is down or empty.
      const known = (taken.storeUp && (await readStore())) || local;
      if (current(known)) return { entry: (local = known), renewed: false };
      // Another instance still holds the lock after `timeout`: its renewal is slow, or it died and
      // its lock waits for its TTL. Renewing too would make two upstream calls, and in classic mode
      // replace the token that holder is about to hand out: `attempt` knows.
      const entry = await attempt(taken.storeUp && !lock);
      if (entry.value === stale) throw new WechatApiError(options.api ?? 'upstream', 'the refused value came back from upstream');
      local = entry;
      persist(entry, lock);
      lock = undefined;
      return { entry, renewed: true };
    } finally {
      release(lock);
    }
  }

  // Every failed renewal rejects with a TokenRefreshError: a limit as `attempt` threw it, any
  // other failure as UPSTREAM_FAILED, to be tried again when the backoff allows.
  function refusal(error: unknown): TokenRefreshError {
    if (error instanceof TokenRefreshError) return error;
    const wait = Math.max(retryAt - Date.now(), BACKOFF_MIN) / 1000;
    if (error instanceof WechatApiError) return new TokenRefreshError('UPSTREAM_FAILED', wait, error.api, error.message, error);
    return new TokenRefreshError('UPSTREAM_FAILED', wait, options.api ?? 'upstream', 'the store or the upstream call threw');
  }

  // Invariant 7: takes another value than the doubted one, from the store or else upstream.
  function recheck(): void {
    if (rechecking || Date.now() < recheckAt) return;
    rechecking = true;
    recheckAt = Date.now() + recheckPause;
    recheckPause = Math.min(recheckPause * 2, RECHECK_MAX);
    const refused = doubted;
    const other = (entry: Entry | undefined): entry is Entry => valid(entry) && entry.value !== refused;
    void (async () => {
      let found = await readStore();
      if (!other(found) && options.current) {
        found = await options.current();
        if (other(found)) persist(found, undefined);
      }
      if (other(found) && local?.value === refused) local = found;
    })()
      .catch(() => undefined)
      .finally(() => {
        rechecking = false;
      });
  }

  const isDoubted = () => local !== undefined && local.value === doubted;

  // Invariants 1 to 3, and 7.
  async function entryNow(): Promise<Entry> {
    if (isDoubted()) recheck();
    const now = Date.now();
    if (local && now < local.refreshAt) return local;
    if (local && now < local.expiresAt) {
      refresh().catch(() => undefined);
      return local;
    }
    return load();
  }

  const fresh = () => (local && Date.now() < local.refreshAt && !isDoubted() ? local.value : undefined);

  return {
    async get() {
      return fresh() ?? (await entryNow()).value;
    },
    fresh,
    entry: entryNow,
    renew(stale, attempt) {
      let renewal = renewals.get(stale);
      if (!renewal) {
        renewal = backedOff(() => renewUnderLock(stale, attempt), true)
          .catch((error: unknown) => {
            if (local?.value === stale && doubted !== stale) {
              doubted = stale;
              recheckAt = 0;
              recheckPause = RECHECK_MIN;
            }
            throw refusal(error);
          })
          .finally(() => renewals.delete(stale));
        renewals.set(stale, renewal);
      }
      return renewal;
    },
    peek: () => local?.value,
    peekEntry: () => local,
  };
}
