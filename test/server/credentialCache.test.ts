// @vitest-environment node
// createCredentialCache on its own, with memoryStore and a controlled clock: what it does with
// stored values that are malformed, stale or expired, with its own copy at each deadline, with
// another instance's lock, and renew(): never the stale value, and a value it could not replace checked again.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCredentialCache, type Entry } from '../../src/server/createCredentialCache';
import { memoryStore } from '../../src/server/memoryStore';
import { TokenRefreshError } from '../../src/server/TokenRefreshError';
import { WechatApiError } from '../../src/server/WechatApiError';

const T0 = 1_700_000_000_000;
const KEY = '{wx}:jsapi_ticket';
const entry = (value: string, refreshIn: number, expiresIn: number): Entry => ({ value, refreshAt: Date.now() + refreshIn, expiresAt: Date.now() + expiresIn });

function setup(timeout = 200) {
  const store = memoryStore();
  let n = 0;
  const fetch = vi.fn(async () => entry(`fetched-${++n}`, 60_000, 120_000));
  const cache = createCredentialCache({ key: KEY, store, timeout, api: '/cgi-bin/ticket/getticket', fetch });
  return { store, fetch, cache };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('createCredentialCache', () => {
  it.each([
    ['not JSON', 'not json'],
    ['a value that is not a string', JSON.stringify({ value: 7, refreshAt: T0 + 1e6, expiresAt: T0 + 2e6 })],
    ['no refreshAt', JSON.stringify({ value: 'v', expiresAt: T0 + 2e6 })],
    ['no expiresAt', JSON.stringify({ value: 'v', refreshAt: T0 + 1e6 })],
    ['null', 'null'],
    // An empty ticket signs nothing WeChat or WeCom accepts (silenceper/wechat PR #883).
    ['an empty value', JSON.stringify({ value: '', refreshAt: T0 + 1e6, expiresAt: T0 + 2e6 })],
  ])('fetches anew over a stored value that is %s', async (_, raw) => {
    vi.useFakeTimers({ now: T0, toFake: ['Date'] });
    const { store, fetch, cache } = setup();
    await store.set(KEY, raw, 60_000);
    await expect(cache.get()).resolves.toBe('fetched-1');
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('takes a stored value as it is until its refreshAt, serves it and refreshes in the background until its expiresAt, and fetches after', async () => {
    vi.useFakeTimers({ now: T0, toFake: ['Date'] });
    const fresh = setup();
    await fresh.store.set(KEY, JSON.stringify(entry('stored', 1000, 2000)), 60_000);
    await expect(fresh.cache.get()).resolves.toBe('stored');
    expect(fresh.fetch).not.toHaveBeenCalled();

    const stale = setup();
    await stale.store.set(KEY, JSON.stringify(entry('stored', 0, 2000)), 60_000);
    await expect(stale.cache.get()).resolves.toBe('stored');
    await vi.waitFor(() => expect(stale.fetch).toHaveBeenCalledTimes(1));
    await expect(stale.cache.get()).resolves.toBe('fetched-1');

    const expired = setup();
    await expired.store.set(KEY, JSON.stringify(entry('stored', -2000, 0)), 60_000);
    await expect(expired.cache.get()).resolves.toBe('fetched-1');
  });

  it('serves its own copy until refreshAt without a fetch, then while refreshing until expiresAt, and waits for a new one after', async () => {
    vi.useFakeTimers({ now: T0, toFake: ['Date'] });
    const { fetch, cache } = setup();
    expect(cache.fresh()).toBeUndefined();
    await expect(cache.get()).resolves.toBe('fetched-1');
    vi.setSystemTime(T0 + 59_999);
    // fresh(), sign()'s warm path without a promise, answers what get() would without a fetch.
    expect(cache.fresh()).toBe('fetched-1');
    await expect(cache.get()).resolves.toBe('fetched-1');
    expect(fetch).toHaveBeenCalledTimes(1);
    // refreshAt reached: the copy answers, one refresh runs; fresh() leaves it to get().
    vi.setSystemTime(T0 + 60_000);
    expect(cache.fresh()).toBeUndefined();
    await expect(cache.get()).resolves.toBe('fetched-1');
    await vi.waitFor(() => expect(fetch).toHaveBeenCalledTimes(2));
    // The refreshed copy (fetched-2, refreshAt T0 + 120 s) lives until T0 + 180 s.
    vi.setSystemTime(T0 + 180_000);
    await expect(cache.get()).resolves.toBe('fetched-3');
  });

  it('waits for the lock holder\'s value, without fetching, when it lands within timeout', async () => {
    vi.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { store, fetch, cache } = setup(3000);
    const holder = await store.lock(`${KEY}:lock`, 10_000);
    expect(holder).toBeTruthy();
    let value: string | undefined;
    void cache.get().then((got) => (value = got));
    await vi.advanceTimersByTimeAsync(60);
    expect(value).toBeUndefined();
    await store.set(KEY, JSON.stringify(entry('from-the-holder', 60_000, 120_000)), 60_000);
    // It looks again within one poll after the value landed (polling every 10, 20, 40, then 50
    // ms of the fake clock), not at the 3 s deadline.
    await vi.advanceTimersByTimeAsync(50);
    expect(value).toBe('from-the-holder');
    expect(fetch).not.toHaveBeenCalled();
  });

  it('fetches itself once the lock holder has not delivered within timeout', async () => {
    vi.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { store, fetch, cache } = setup();
    await store.lock(`${KEY}:lock`, 5000);
    let value: string | undefined;
    void cache.get().then((got) => (value = got));
    // Still waiting for the holder at 199 ms of the fake clock; fetched itself at 200 (timeout).
    await vi.advanceTimersByTimeAsync(199);
    expect([value, fetch.mock.calls.length]).toEqual([undefined, 0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(value).toBe('fetched-1');
    expect(fetch).toHaveBeenCalledTimes(1);
  });
});

describe('renew()', () => {
  const refused = new TokenRefreshError('REFRESH_IN_PROGRESS', 5, '/cgi-bin/stable_token', 'held elsewhere');

  // A slow renewal elsewhere (store read, force window, a 5 s WeChat call), or the lock of an instance
  // that died, is not a free lock: `attempt` is told, and may only ask or reject.
  it('tells attempt when another instance keeps the lock past timeout, and rejects with what it throws, never the stale value', async () => {
    const { store, cache } = setup(50);
    await store.set(KEY, JSON.stringify(entry('stale-1', 60_000, 120_000)), 120_000);
    expect(await cache.get()).toBe('stale-1');
    await store.lock(`${KEY}:lock`, 60_000);
    const attempt = vi.fn(async (): Promise<Entry> => {
      throw refused;
    });
    await expect(cache.renew('stale-1', attempt)).rejects.toBe(refused);
    expect(attempt).toHaveBeenCalledWith(true);
    // A limit is no upstream failure: the next renewal is not held back by the backoff.
    const next = vi.fn(async () => entry('renewed-1', 60_000, 120_000));
    await store.delete(`${KEY}:lock`);
    await expect(cache.renew('stale-1', next)).resolves.toMatchObject({ renewed: true, entry: { value: 'renewed-1' } });
    expect(next).toHaveBeenCalledWith(false);
  });

  it('rejects with UPSTREAM_FAILED, under backoff, when the attempt answers the stale value again or fails', async () => {
    vi.useFakeTimers({ now: T0, toFake: ['Date'] });
    const { cache } = setup();
    expect(await cache.get()).toBe('fetched-1');
    const again = vi.fn(async () => entry('fetched-1', 60_000, 120_000));
    await expect(cache.renew('fetched-1', again)).rejects.toMatchObject({ name: 'TokenRefreshError', code: 'UPSTREAM_FAILED', retryAfter: 1 });
    // Within the backoff: at once, without an attempt, with the time left.
    vi.setSystemTime(T0 + 400);
    const later = vi.fn(async () => entry('renewed', 60_000, 120_000));
    await expect(cache.renew('fetched-1', later)).rejects.toMatchObject({ code: 'UPSTREAM_FAILED', retryAfter: 1 });
    expect(later).not.toHaveBeenCalled();
    vi.setSystemTime(T0 + 1000);
    const failing = vi.fn(async (): Promise<Entry> => {
      throw new WechatApiError('/cgi-bin/stable_token', 'timed out after 5000 ms');
    });
    // The second failure in a row: 2 s of backoff.
    await expect(cache.renew('fetched-1', failing)).rejects.toMatchObject({ code: 'UPSTREAM_FAILED', retryAfter: 2, api: '/cgi-bin/stable_token' });
    expect(cache.peek()).toBe('fetched-1');
  });

  it('keeps answering a value it could not replace, and takes another from the store or upstream, checking at most once per 1 s, doubling', async () => {
    vi.useFakeTimers({ now: T0, toFake: ['Date'] });
    const store = memoryStore();
    let inForce = 'token-1';
    const current = vi.fn(async () => entry(inForce, 60_000, 120_000));
    const cache = createCredentialCache({ key: KEY, store, timeout: 200, api: '/cgi-bin/stable_token', fetch: current, current });
    expect(await cache.get()).toBe('token-1');
    await expect(cache.renew('token-1', async () => Promise.reject(refused))).rejects.toBe(refused);
    expect(current).toHaveBeenCalledTimes(1);
    // Still answered (only its reporter said it failed), and checked upstream: WeChat still has it.
    expect(await cache.get()).toBe('token-1');
    await vi.waitFor(() => expect(current).toHaveBeenCalledTimes(2));
    expect(cache.fresh()).toBeUndefined();
    // That check's promise chain done (its last steps are microtasks): no check in flight.
    await new Promise((resolve) => setImmediate(resolve));
    // Within the pause: no check.
    vi.setSystemTime(T0 + 999);
    const reads = vi.spyOn(store, 'get');
    expect(await cache.get()).toBe('token-1');
    // A check starts with a store read, synchronously from get(): none was started.
    expect(reads).not.toHaveBeenCalled();
    reads.mockRestore();
    expect(current).toHaveBeenCalledTimes(2);
    // WeChat made a new token (a forced call that timed out here, yet was made): the next check takes it.
    inForce = 'token-2';
    vi.setSystemTime(T0 + 1000);
    expect(await cache.get()).toBe('token-1');
    await vi.waitFor(async () => expect(await cache.get()).toBe('token-2'));
    expect(current).toHaveBeenCalledTimes(3);
    // …and writes it for the other instances.
    await vi.waitFor(async () => expect(JSON.parse((await store.get(KEY))!).value).toBe('token-2'));
    expect(cache.fresh()).toBe('token-2');
  });

  it('takes the value another instance stored, without asking upstream', async () => {
    vi.useFakeTimers({ now: T0, toFake: ['Date'] });
    const { store, cache, fetch } = setup();
    expect(await cache.get()).toBe('fetched-1');
    await expect(cache.renew('fetched-1', async () => Promise.reject(refused))).rejects.toBe(refused);
    await store.set(KEY, JSON.stringify(entry('from-another-instance', 60_000, 120_000)), 120_000);
    expect(await cache.get()).toBe('fetched-1');
    await vi.waitFor(async () => expect(await cache.get()).toBe('from-another-instance'));
    expect(fetch).toHaveBeenCalledTimes(1);
  });
});
