/**
 * How much console output a team's functions may put into its logs: lines are cut at a length, and
 * beyond a rate (a bucket of lines refilled every second) they are dropped and counted, so that the
 * logs can say what was dropped. A handler that logs in an endless loop fills neither the runtime's
 * memory nor its own team's log buffer with noise.
 */
import { MAX_MESSAGE_CHARS } from './log-buffer';

/** Lines a team's functions may log per second, on average. */
export const OUTPUT_LINES_PER_SECOND = 200;
/** Lines a team's functions may log at once, after a quiet time. */
export const OUTPUT_BURST_LINES = 1_000;

export class OutputLimit {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly perSecond = OUTPUT_LINES_PER_SECOND,
    private readonly burst = OUTPUT_BURST_LINES,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.refilledAt = now();
  }

  /** Whether one more line may go into the logs now (if not, the caller counts it as dropped). */
  admit(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.perSecond);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }

  /** What the logs say about `dropped` lines. */
  droppedNote(dropped: number): string {
    return `${dropped.toLocaleString('en')} lines of console output dropped: a team's functions may log ${this.perSecond} lines a second (bursts of up to ${this.burst.toLocaleString('en')}), each cut at ${MAX_MESSAGE_CHARS.toLocaleString('en')} characters`;
  }
}
