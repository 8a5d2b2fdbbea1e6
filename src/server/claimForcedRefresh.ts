import type { Store } from './Store';

/**
 * How long a forced stable_token refresh blocks the next one, in ms: WeChat allows
 * `force_refresh: true` at least 30 s apart (official getStableAccessToken doc).
 */
export const FORCE_REFRESH_WINDOW = 30_000;

/** How many forced stable_token refreshes WeChat allows per account in a day (official getStableAccessToken doc). */
export const FORCE_REFRESH_DAILY = 20;

/** The day of {@link FORCE_REFRESH_DAILY}, in ms: counted as a rolling 24 h. */
export const FORCE_REFRESH_DAY = 24 * 60 * 60 * 1000;

// Takes `key` for `ttl` ms (SET NX: one taker across every instance), then writes the time it was
// taken into it, so that a refused taker can tell when it frees. A failed write leaves the lock's
// own token there: still taken, its time unknown.
async function claim(store: Store, key: string, ttl: number): Promise<boolean> {
  if (!(await store.lock(key, ttl))) return false;
  await store.set(key, String(Date.now()), ttl).catch(() => undefined);
  return true;
}

// When the claim at `key` frees, in ms since the epoch, if its time was written.
async function freesAt(store: Store, key: string, ttl: number): Promise<number | undefined> {
  const takenAt = Number(await store.get(key).catch(() => undefined));
  return Number.isFinite(takenAt) && takenAt > 0 ? takenAt + ttl : undefined;
}

/**
 * Takes one forced stable_token refresh of the account whose keys start with `key`, across every
 * instance that shares `store`: the 30 s window (`key`, taken and never released) and then one of
 * the 20 daily slots (`key:1` … `key:20`, each held 24 h from its taking, so the count is a
 * rolling 24 h). Every claim is a `SET NX`: two instances never take the same one.
 *
 * Resolves with `0` when the forced refresh may be made now, else with the ms to wait before the
 * next one can be (the window's end, or the oldest slot's end when all 20 are taken). A window
 * taken while the slots are all taken stays taken: no forced refresh is possible in it anyway.
 * Rejects when the store fails: forced refreshes cannot be counted then.
 */
export async function claimForcedRefresh(store: Store, key: string): Promise<number> {
  const now = Date.now();
  if (!(await claim(store, key, FORCE_REFRESH_WINDOW))) {
    return Math.max(1, ((await freesAt(store, key, FORCE_REFRESH_WINDOW)) ?? now + FORCE_REFRESH_WINDOW) - now);
  }
  const slots = Array.from({ length: FORCE_REFRESH_DAILY }, (_, i) => `${key}:${i + 1}`);
  for (const slot of slots) if (await claim(store, slot, FORCE_REFRESH_DAY)) return 0;
  const ends = (await Promise.all(slots.map((slot) => freesAt(store, slot, FORCE_REFRESH_DAY)))).filter((end): end is number => end !== undefined);
  // The earliest known end frees a slot then at the latest; with none known, a day at worst.
  const end = ends.length ? Math.min(...ends) : now + FORCE_REFRESH_DAY;
  return Math.max(FORCE_REFRESH_WINDOW, end - now);
}
