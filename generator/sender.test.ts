/**
 * The turns PutRecords calls take (./sender.ts, `CallTurns`): one call per turn of the event loop,
 * a burst's first call before any later call that waits, the rest in the order they asked.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { CallTurns } from './sender';

describe('turns of PutRecords calls', () => {
  it('gives one call a turn per turn of the event loop, first calls of bursts before later calls', async () => {
    const turns = new CallTurns();
    const order: string[] = [];
    const ask = (name: string, first: boolean) => turns.take(first).then(() => order.push(name));
    const all = [ask('a1', true), ask('a2', false), ask('a3', false), ask('b1', true), ask('a4', false), ask('c1', true)];
    await Promise.resolve();
    expect(order).toEqual(['a1']);
    await nextTurn();
    expect(order).toEqual(['a1', 'b1']);
    await Promise.all(all);
    expect(order).toEqual(['a1', 'b1', 'c1', 'a2', 'a3', 'a4']);
  });
});
