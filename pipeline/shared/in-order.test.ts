/** Unit tests of forEachInOrder: order of starts, the concurrency bound, and stopping at the first error. */
import { describe, expect, it } from 'vitest';
import { forEachInOrder } from './in-order';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('forEachInOrder', () => {
  it('starts items in order and never runs more than the limit at once', async () => {
    const started: number[] = [];
    let running = 0;
    let most = 0;
    await forEachInOrder(
      Array.from({ length: 50 }, (_, index) => index),
      async (item) => {
        started.push(item);
        running += 1;
        most = Math.max(most, running);
        await tick();
        running -= 1;
      },
      4,
    );
    expect(started).toEqual(Array.from({ length: 50 }, (_, index) => index));
    expect(most).toBe(4);
  });

  it('starts nothing after a failure, lets running calls finish, and rethrows the first error', async () => {
    const finished: number[] = [];
    const attempt = forEachInOrder(
      Array.from({ length: 20 }, (_, index) => index),
      async (item) => {
        if (item === 5) throw new Error('record 5 failed');
        await tick();
        finished.push(item);
      },
      3,
    );
    await expect(attempt).rejects.toThrow('record 5 failed');
    // 0–4 started before 5 failed and finished; nothing after 5 started.
    expect(finished.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4]);
  });

  it('handles an empty batch', async () => {
    await expect(forEachInOrder([], async () => undefined)).resolves.toBeUndefined();
  });
});
