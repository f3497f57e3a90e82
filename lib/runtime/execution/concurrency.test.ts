/** The concurrency limiter behind reserved concurrency. */
import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter } from './concurrency';

describe('concurrency limiter', () => {
  it('admits at most the limit, first come first served, and follows a new limit', async () => {
    const limiter = new ConcurrencyLimiter(1);
    const admitted: string[] = [];
    expect(await limiter.acquire()).toBe(true);
    const waiting = ['a', 'b', 'c'].map((name) => limiter.acquire().then(() => admitted.push(name)));
    await Promise.resolve();
    expect(admitted).toEqual([]);
    limiter.release();
    await waiting[0];
    expect(admitted).toEqual(['a']);
    limiter.setLimit(3);
    await Promise.all(waiting);
    expect(admitted).toEqual(['a', 'b', 'c']);
    expect(limiter.active).toBe(3);
  });

  it('gives up waiting when aborted', async () => {
    const limiter = new ConcurrencyLimiter(0);
    const controller = new AbortController();
    const acquired = limiter.acquire(controller.signal);
    controller.abort();
    expect(await acquired).toBe(false);
    limiter.setLimit(1);
    expect(limiter.active).toBe(0);
  });
});
