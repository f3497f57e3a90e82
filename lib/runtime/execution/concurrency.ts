/** A function's concurrency limit (reserved concurrency): at most `limit` invocations at once, FIFO. */

export class ConcurrencyLimiter {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private limit = Number.POSITIVE_INFINITY) {}

  get active(): number {
    return this.running;
  }

  setLimit(limit: number): void {
    this.limit = limit;
    this.admit();
  }

  /** Resolves true once a slot is held, or false if `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    if (this.running < this.limit && this.waiting.length === 0) {
      this.running++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const admitted = () => {
        signal?.removeEventListener('abort', aborted);
        resolve(true);
      };
      const aborted = () => {
        const index = this.waiting.indexOf(admitted);
        if (index >= 0) this.waiting.splice(index, 1);
        resolve(false);
      };
      signal?.addEventListener('abort', aborted, { once: true });
      this.waiting.push(admitted);
    });
  }

  release(): void {
    this.running--;
    this.admit();
  }

  private admit(): void {
    while (this.running < this.limit && this.waiting.length > 0) {
      this.running++;
      this.waiting.shift()!();
    }
  }
}
