import type { LogFn, Logger } from 'pino';

/** Options of {@link throttleLogs}. */
export interface LogThrottleOptions {
  /** The first window after a line, in ms: repeats within it are counted, not written. @default 1000 */
  first?: number;
  /** The longest window, in ms: windows double up to it while the failure goes on. @default 60_000 */
  max?: number;
  /** The lowest pino level throttled (warn is 40); lower levels are written as they come. @default 40 */
  level?: number;
  /** Most failures followed at once; past it, lines are written unthrottled. @default 1000 */
  keys?: number;
}

interface Repeat {
  /** Length of the current window, in ms. */
  step: number;
  /** Lines dropped in it. */
  repeats: number;
  /** The last dropped line's arguments: written with the count at the window's end. */
  last?: Parameters<LogFn>;
}

// What tells one failure from another: the level, the message, and the fields that name what
// failed. Durations and WeChat's per-request ids (`rid: …` in errmsg) change with every repeat.
const VOLATILE = new Set(['durationMs', 'downMs', 'repeated', 'windowMs']);
function keyOf(level: number, args: Parameters<LogFn>): string {
  const [first, second] = args as unknown[];
  const fields = typeof first === 'object' && first !== null ? first : undefined;
  const message = fields ? second : first;
  const text = `${level}|${String(message)}|${fields ? JSON.stringify(fields, (key, value: unknown) => (VOLATILE.has(key) ? undefined : value)) : ''}`;
  return text.replace(/rid: ?[\w-]+/g, 'rid');
}

// The line again, with how many times it was dropped and over how long.
function withCount(args: Parameters<LogFn>, repeated: number, windowMs: number): Parameters<LogFn> {
  const [first, ...rest] = args as unknown[];
  if (typeof first === 'object' && first !== null && !(first instanceof Error)) return [{ ...first, repeated, windowMs }, ...rest] as Parameters<LogFn>;
  return [{ repeated, windowMs }, first, ...rest] as Parameters<LogFn>;
}

/**
 * A pino `hooks.logMethod` that keeps an outage from flooding the log: the first line of a
 * failure (same level, message and naming fields; see the key above) is written at once; its
 * repeats within the next `first` ms are counted, and at the window's end the last of them is
 * written once with `repeated` (how many were dropped) and `windowMs`. While repeats go on the
 * window doubles, up to `max`; a window without repeats forgets the failure, so its next
 * occurrence is written at once again.
 *
 * So 10,000 identical failures in 10 s write 5 lines (at 0, 1, 3, 7 and 15 s), the first always.
 * Levels below `level` (info, debug) are never throttled. Timers are `unref`'d: they never keep
 * the process alive; counts still pending at exit are lost.
 *
 * @example
 * pino({ hooks: { logMethod: throttleLogs() } })
 */
export function throttleLogs(options: LogThrottleOptions = {}): (this: Logger, args: Parameters<LogFn>, method: LogFn, level: number) => void {
  const first = options.first ?? 1000;
  const max = options.max ?? 60_000;
  const lowest = options.level ?? 40;
  const most = options.keys ?? 1000;
  const repeats = new Map<string, Repeat>();

  return function logMethod(this: Logger, args, method, level) {
    if (level < lowest) return method.apply(this, args);
    const key = keyOf(level, args);
    const known = repeats.get(key);
    if (known) {
      known.repeats++;
      known.last = args;
      return;
    }
    method.apply(this, args);
    if (repeats.size >= most) return;
    const state: Repeat = { step: first, repeats: 0 };
    repeats.set(key, state);
    const close = () => {
      if (state.repeats === 0 || !state.last) {
        repeats.delete(key);
        return;
      }
      method.apply(this, withCount(state.last, state.repeats, state.step));
      state.repeats = 0;
      state.last = undefined;
      state.step = Math.min(state.step * 2, max);
      setTimeout(close, state.step).unref();
    };
    setTimeout(close, state.step).unref();
  };
}
