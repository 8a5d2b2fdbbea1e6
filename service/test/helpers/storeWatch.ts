// Waiting on a real service process and a real Redis for a state to arrive: polled, because the
// process is another process; each wait is bounded and resolves as soon as the state is there.
import type { ServiceProcess } from './serviceProcess';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `/readyz` every 100 ms until its `status` is `wanted` or `within` ms passed; resolves with the last status seen. */
export async function readyzUntil(service: ServiceProcess, wanted: string, within: number): Promise<string> {
  const deadline = Date.now() + within;
  let status = '';
  for (;;) {
    status = await fetch(`${service.publicUrl}/readyz`).then(
      async (answer) => ((await answer.json()) as { status: string }).status,
      () => 'no answer',
    );
    if (status === wanted || Date.now() > deadline) return status;
    await pause(100);
  }
}

/**
 * Calls `poke` (a request that makes the service use its store) every 200 ms until `read()`
 * (the store's value, read directly) contains `expected()`, or `within` ms passed; resolves with
 * the last value read.
 */
export async function storedValue(poke: () => Promise<unknown>, read: () => string, expected: () => string | undefined, within: number): Promise<string> {
  const deadline = Date.now() + within;
  for (;;) {
    await poke();
    let value = '';
    try {
      value = read();
    } catch {
      // the store is still coming back
    }
    const wanted = expected();
    if ((wanted !== undefined && value.includes(wanted)) || Date.now() > deadline) return value;
    await pause(200);
  }
}
