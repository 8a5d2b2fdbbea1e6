/** The message of every timeout in the SDK: `timed out (10000 ms)`. */
export const timedOut = (ms: number): string => `timed out (${ms} ms)`;

/**
 * `promise`, or a rejection with `Error(timedOut(ms))` once `ms` milliseconds have passed,
 * whichever comes first; `onTimeout` runs just before that rejection (to abort the work). The
 * timer is cleared either way, so nothing is left pending.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout?: () => void): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expiry = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new Error(timedOut(ms)));
    }, ms);
  });
  return Promise.race([promise, expiry]).finally(() => clearTimeout(timer));
}
