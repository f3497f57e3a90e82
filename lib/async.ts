/**
 * Async helpers that have no native form. Sleeping and timeouts are native: use
 * `setTimeout` from `node:timers/promises` (with `{ signal }`), `AbortSignal.timeout(ms)` and
 * `AbortSignal.any([...])`.
 */

/** Resolves when `promise` settles or after `ms`, whichever comes first; never rejects. */
export async function waitAtMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([
      promise.then(
        () => undefined,
        () => undefined,
      ),
      elapsed,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
