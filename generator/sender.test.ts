/**
 * The turns PutRecords calls take (./sender.ts, `CallTurns`): one call per turn of the event loop,
 * a burst's first call before any later call that waits, the rest in the order they asked, once
 * the first calls were answered or at most `FIRST_CALLS_HOLD_MS` after the last of them was made.
 */
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { CallTurns, FIRST_CALLS_HOLD_MS } from './sender';

describe('turns of PutRecords calls', () => {
  it('gives one call a turn per turn of the event loop, first calls of bursts before later calls', async () => {
    const turns = new CallTurns();
    const order: string[] = [];
    const ask = (name: string, first: boolean) =>
      turns.take(first).then((answered) => {
        order.push(name);
        answered();
      });
    const all = [ask('a1', true), ask('a2', false), ask('a3', false), ask('b1', true), ask('a4', false), ask('c1', true)];
    await Promise.resolve();
    expect(order).toEqual(['a1']);
    await nextTurn();
    expect(order).toEqual(['a1', 'b1']);
    await Promise.all(all);
    expect(order).toEqual(['a1', 'b1', 'c1', 'a2', 'a3', 'a4']);
  });

  it('holds later calls while first calls are unanswered, at most FIRST_CALLS_HOLD_MS after the last first call', async () => {
    const turns = new CallTurns();
    const order: string[] = [];
    const answers = new Map<string, () => void>();
    const ask = (name: string, first: boolean) =>
      turns.take(first).then((answered) => {
        order.push(name);
        answers.set(name, answered);
      });
    const later = [ask('a1', true), ask('a2', false), ask('b1', true)];
    await sleep(50);
    expect(order).toEqual(['a1', 'b1']);
    answers.get('a1')!();
    await sleep(50);
    expect(order).toEqual(['a1', 'b1']); // b1 is still unanswered
    answers.get('b1')!();
    await Promise.all(later);
    expect(order).toEqual(['a1', 'b1', 'a2']);
    // A first call never answered (a stream that hangs) holds later calls back FIRST_CALLS_HOLD_MS at most.
    const started = performance.now();
    await Promise.all([ask('c1', true), ask('c2', false)]);
    expect(order.slice(3)).toEqual(['c1', 'c2']);
    expect(performance.now() - started).toBeGreaterThanOrEqual(FIRST_CALLS_HOLD_MS - 5);
  });
});
