/**
 * Polling with a deadline: the one way tests wait for something to happen. The deadline is an upper
 * bound (a busy machine makes a test slower, never red), and when it passes the failure says what
 * was awaited and the last value seen (or the last error), so a red test explains itself.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';
import { errorMessage } from '@/lib/errors';

export interface EventuallyOptions {
  /** Give up after this long (default 60 s). */
  timeoutMs?: number;
  /** Pause between reads (default 200 ms). */
  intervalMs?: number;
}

/** What `eventually` without a condition keeps waiting on. */
type Absent = undefined | null | false;

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_INTERVAL_MS = 200;
const SHOWN_CHARACTERS = 2_000;

function shown(value: unknown): string {
  const text = inspect(value, { depth: 6, breakLength: Number.POSITIVE_INFINITY, maxArrayLength: 30 });
  return text.length > SHOWN_CHARACTERS ? `${text.slice(0, SHOWN_CHARACTERS)}…` : text;
}

/**
 * Reads until the value is present (not undefined, null or false) and returns it; a read that
 * throws counts as not yet. Fails after the deadline naming `what` and the last value or error.
 */
export function eventually<T>(what: string, read: () => T | Promise<T>, options?: EventuallyOptions): Promise<Exclude<T, Absent>>;
/** Reads until `until(value)` holds and returns that value. */
export function eventually<T>(what: string, read: () => T | Promise<T>, until: (value: T) => boolean, options?: EventuallyOptions): Promise<T>;
export async function eventually<T>(
  what: string,
  read: () => T | Promise<T>,
  untilOrOptions?: ((value: T) => boolean) | EventuallyOptions,
  maybeOptions?: EventuallyOptions,
): Promise<T> {
  const until = typeof untilOrOptions === 'function' ? untilOrOptions : (value: T) => value !== undefined && value !== null && value !== false;
  const options = (typeof untilOrOptions === 'function' ? maybeOptions : untilOrOptions) ?? {};
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  let last: { value: T } | { error: unknown };
  for (;;) {
    try {
      const value = await read();
      if (until(value)) return value;
      last = { value };
    } catch (error) {
      last = { error };
    }
    if (Date.now() >= deadline) {
      const seen = 'error' in last ? `the last read failed: ${errorMessage(last.error)}` : `last value seen: ${shown(last.value)}`;
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}; ${seen}`);
    }
    await sleep(options.intervalMs ?? DEFAULT_INTERVAL_MS);
  }
}
