/**
 * Limits failed sign-in attempts: at most `maxFailures` per key (a client address, or one shared
 * key for everybody) within a sliding window. Memory stays bounded by evicting the oldest keys.
 */

export interface AttemptLimiterOptions {
  maxFailures: number;
  windowMs: number;
  /** Keys remembered at most; the least recently failed are forgotten first. */
  maxKeys?: number;
  now?: () => number;
}

export interface LimitDecision {
  allowed: boolean;
  /** When not allowed: how long until the oldest counted failure leaves the window. */
  retryAfterMs: number;
}

export class AttemptLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly now: () => number;
  private readonly maxKeys: number;

  constructor(private readonly options: AttemptLimiterOptions) {
    this.now = options.now ?? Date.now;
    this.maxKeys = options.maxKeys ?? 10_000;
  }

  private recent(key: string): number[] {
    const since = this.now() - this.options.windowMs;
    const times = (this.failures.get(key) ?? []).filter((time) => time > since);
    if (times.length === 0) this.failures.delete(key);
    else this.failures.set(key, times);
    return times;
  }

  /** Whether another attempt may be made now. */
  check(key: string): LimitDecision {
    const times = this.recent(key);
    // The oldest of the last maxFailures failures: blocked until it leaves the window.
    const oldestCounted = times[times.length - this.options.maxFailures];
    if (times.length < this.options.maxFailures || oldestCounted === undefined) return { allowed: true, retryAfterMs: 0 };
    return { allowed: false, retryAfterMs: Math.max(1, oldestCounted + this.options.windowMs - this.now()) };
  }

  recordFailure(key: string): void {
    const times = this.recent(key);
    this.failures.delete(key);
    this.failures.set(key, [...times, this.now()]);
    while (this.failures.size > this.maxKeys) {
      const oldest = this.failures.keys().next().value as string;
      this.failures.delete(oldest);
    }
  }

  /** Forgets a key's failures (after a successful sign-in). */
  clear(key: string): void {
    this.failures.delete(key);
  }
}
