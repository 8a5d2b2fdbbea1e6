// guardStore's pause after a store failure, and Store.ready ending it: a Redis that comes back is
// used as soon as its client says it is connected, not after a pause of up to 30 s (issue 20.3).
import { describe, expect, it } from 'vitest';
import { guardStore } from '../../src/server/guardStore';
import { memoryStore } from '../../src/server/memoryStore';
import type { Store } from '../../src/server/Store';

// A memory store that fails while `down`, and may say so through ready().
function flakyStore(withReady: boolean) {
  const inner = memoryStore();
  const state = { down: true, calls: 0 };
  const check = <T>(call: () => Promise<T>) => {
    state.calls++;
    return state.down ? Promise.reject(new Error('redis is not connected')) : call();
  };
  const store: Store = {
    get: (key) => check(() => inner.get(key)),
    set: (key, value, ttl) => check(() => inner.set(key, value, ttl)),
    delete: (key) => check(() => inner.delete(key)),
    lock: (key, ttl) => check(() => inner.lock(key, ttl)),
    unlock: (key, token) => check(() => inner.unlock(key, token)),
    ...(withReady ? { ready: () => !state.down } : {}),
  };
  return { store, state };
}

describe('guardStore', () => {
  it('pauses calls after a failure, then a store whose ready() turns true is asked again at once', async () => {
    const { store, state } = flakyStore(true);
    const guarded = guardStore(store, { timeout: 1000, secrets: () => [] });
    for (let i = 0; i < 4; i++) await expect(guarded.get('k')).rejects.toThrow(/store.get/);
    // The first call failed; the three after it were skipped without reaching the store.
    expect(state.calls).toBe(1);
    expect(guarded.health().up).toBe(false);
    state.down = false;
    expect(guarded.health().up).toBe(true);
    await expect(guarded.set('k', 'v', 60_000)).resolves.toBeUndefined();
    await expect(guarded.get('k')).resolves.toBe('v');
    expect(state.calls).toBe(3);
  });

  it('without ready(), the pause runs its course', async () => {
    const { store, state } = flakyStore(false);
    const guarded = guardStore(store, { timeout: 1000, secrets: () => [] });
    await expect(guarded.get('k')).rejects.toThrow(/store.get failed/);
    state.down = false;
    await expect(guarded.get('k')).rejects.toThrow(/skipped/);
    expect(state.calls).toBe(1);
    expect(guarded.health().up).toBe(false);
  });

  it('a failure while the store said it was connected (a timeout, an error) keeps its pause', async () => {
    const { store, state } = flakyStore(false);
    const guarded = guardStore({ ...store, ready: () => true }, { timeout: 1000, secrets: () => [] });
    await expect(guarded.get('k')).rejects.toThrow(/store.get failed/);
    state.down = false;
    await expect(guarded.get('k')).rejects.toThrow(/skipped/);
    expect(state.calls).toBe(1);
  });
});
