/**
 * The async helpers with no native form: untilAborted ends a wait that would not end at its signal
 * by itself; timeoutSignal aborts at its timeout though a garbage collection ran before it.
 */
import { getEventListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { timeoutSignal, untilAborted } from './async';

const never = () => new Promise<never>(() => undefined);

describe('untilAborted', () => {
  it('rejects with the reason when the signal aborts, though the promise never settles', async () => {
    const controller = new AbortController();
    const waiting = untilAborted(never(), controller.signal);
    const reason = new Error('the agent was stopped');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
  });

  it('settles as the promise does when it comes first, and leaves no listener on the signal', async () => {
    const controller = new AbortController();
    await expect(untilAborted(Promise.resolve('answer'), controller.signal)).resolves.toBe('answer');
    await expect(untilAborted(Promise.reject(new Error('refused')), controller.signal)).rejects.toThrow('refused');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects at once when the signal has already aborted, the promise being left to itself', async () => {
    const signal = AbortSignal.abort(new Error('already stopped'));
    let unhandled: unknown;
    const onUnhandled = (reason: unknown) => {
      unhandled = reason;
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      await expect(untilAborted(Promise.reject(new Error('late failure')), signal)).rejects.toThrow('already stopped');
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toBeUndefined();
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

/** A full garbage collection now (what Node does on its own, at a moment of its choosing). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

describe('timeoutSignal', () => {
  it('aborts with a TimeoutError at its timeout, though a garbage collection ran before it and only its listener holds it', async () => {
    const round = new AbortController();
    const aborted: string[] = [];
    for (const signal of [timeoutSignal(300, round.signal), timeoutSignal(300)])
      signal.addEventListener('abort', () => aborted.push((signal.reason as Error).name), { once: true });
    await sleep(50);
    collectGarbage();
    await sleep(550);
    expect(aborted).toEqual(['TimeoutError', 'TimeoutError']);
  });

  it('aborts with the reason of the signal it was given when that one aborts first', () => {
    const round = new AbortController();
    const signal = timeoutSignal(60_000, round.signal);
    const reason = new Error('the round was stopped');
    round.abort(reason);
    expect(signal.reason).toBe(reason);
  });
});
