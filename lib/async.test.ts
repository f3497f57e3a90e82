/** The async helpers with no native form: untilAborted ends a wait that would not end at its signal by itself. */
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { untilAborted } from './async';

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
