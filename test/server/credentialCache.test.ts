// @vitest-environment node
// createCredentialCache on its own, with memoryStore and a controlled clock: what it does with
// stored values that are malformed, stale or expired, with its own copy at each deadline, with
// replace(), and with another instance's lock.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCredentialCache, type Entry } from '../../src/server/createCredentialCache';
import { memoryStore } from '../../src/server/memoryStore';

const T0 = 1_700_000_000_000;
const KEY = '{wx}:jsapi_ticket';
const entry = (value: string, refreshIn: number, expiresIn: number): Entry => ({ value, refreshAt: Date.now() + refreshIn, expiresAt: Date.now() + expiresIn });

function setup(timeout = 200) {
  const store = memoryStore();
  let n = 0;
  const fetch = vi.fn(async () => entry(`fetched-${++n}`, 60_000, 120_000));
  const cache = createCredentialCache({ key: KEY, store, timeout, fetch });
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

  it('replace() drops its copy only when it is the refused one, and never returns the refused value from the store', async () => {
    vi.useFakeTimers({ now: T0, toFake: ['Date'] });
    const { store, fetch, cache } = setup();
    await expect(cache.get()).resolves.toBe('fetched-1');
    await expect(cache.replace('fetched-1')).resolves.toBe('fetched-2');
    // The store now holds fetched-2 (written off the request path).
    await vi.waitFor(async () => expect(JSON.parse((await store.get(KEY))!).value).toBe('fetched-2'));
    // Refusing something else keeps the copy, but still replaces what is stored under the lock.
    await expect(cache.replace('someone-else')).resolves.toBe('fetched-2');
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(cache.peek()).toBe('fetched-2');
  });

  it('waits for the lock holder\'s value, without fetching, when it lands within timeout', async () => {
    const { store, fetch, cache } = setup(3000);
    const holder = await store.lock(`${KEY}:lock`, 10_000);
    expect(holder).toBeTruthy();
    setTimeout(() => void store.set(KEY, JSON.stringify(entry('from-the-holder', 60_000, 120_000)), 60_000), 60);
    const started = Date.now();
    await expect(cache.get()).resolves.toBe('from-the-holder');
    expect(fetch).not.toHaveBeenCalled();
    // It looked again soon after the value landed (polling every 10, 20, 40, then 50 ms), not at
    // the 3 s deadline.
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('fetches itself once the lock holder has not delivered within timeout', async () => {
    const { store, fetch, cache } = setup();
    await store.lock(`${KEY}:lock`, 5000);
    const started = Date.now();
    await expect(cache.get()).resolves.toBe('fetched-1');
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });
});

describe('renew() and a lock another instance keeps past timeout', () => {
  // A slow renewal elsewhere (store read, force window, a 5 s WeChat call) is not a dead one: renewing
  // too would make a second upstream call and, in classic mode, replace the token it hands out.
  it('answers the stale value it knows, renewed: false, without an upstream call', async () => {
    const { store, cache } = setup(50);
    await store.set(KEY, JSON.stringify(entry('stale-1', 60_000, 120_000)), 120_000);
    expect(await cache.get()).toBe('stale-1');
    await store.lock(`${KEY}:lock`, 60_000);
    const attempt = vi.fn(async () => entry('renewed-1', 60_000, 120_000));
    const renewal = await cache.renew('stale-1', attempt);
    expect(attempt).not.toHaveBeenCalled();
    expect(renewal).toMatchObject({ renewed: false, entry: { value: 'stale-1' } });
  });
});
