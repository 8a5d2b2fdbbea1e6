// Waiting for an event that comes from outside the test's process or its fake clock (a Redis
// reply, a child process's output), without a fixed sleep and without touching fake timers.

// Taken at import: a test that fakes setTimeout afterwards neither stops this poll nor has its
// fake clock advanced by it (vi.waitFor and expect.poll advance fake timers on each try).
const realSetTimeout = globalThis.setTimeout;
const realNow = performance.now.bind(performance);

/**
 * Resolves once `check()` returns a truthy value (with that value), checking every `step` ms of
 * real time; rejects with `Error('<what> did not happen within <within> ms')` after `within` ms.
 * The bound is a failure limit, not the expected duration: `check` usually passes at once.
 */
export async function until<T>(check: () => T | Promise<T>, what: string, within = 5000, step = 5): Promise<T> {
  const deadline = realNow() + within;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (realNow() > deadline) throw new Error(`${what} did not happen within ${within} ms`);
    await new Promise((resolve) => realSetTimeout(resolve, step));
  }
}
