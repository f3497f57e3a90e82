/** Reconnection pauses: 1 s, 2 s, 4 s … at most 30 s, each with ±25 % jitter so a room's agents do not call in step. */
const FIRST_MS = 1000;
const MAX_MS = 30_000;

export class Backoff {
  private failures = 0;

  /** The pause before the next attempt after one more failure. */
  next(): number {
    const base = Math.min(MAX_MS, FIRST_MS * 2 ** this.failures);
    this.failures += 1;
    return Math.round(base * (0.75 + Math.random() / 2));
  }

  /** Whether the last attempts failed. */
  get failing(): boolean {
    return this.failures > 0;
  }

  reset(): void {
    this.failures = 0;
  }
}
