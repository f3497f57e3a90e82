/**
 * Running the items of a batch through a handler in order, a few at a time: DynamoDB (and DynamoDB
 * Local even more) serves parallel writes much faster than one after another.
 */

/** How many writes of a batch State has in flight at the same time. */
export const RECORD_CONCURRENCY = 10;

/**
 * Calls `handle` for each item in order, with at most `concurrency` calls running at once. When a
 * call fails, no further item starts — even when it failed before its first `await`, as State's
 * failure injection does — the calls already running finish, then the first error is rethrown (as
 * if the items had been handled one after another up to the failing one).
 */
export async function forEachInOrder<T>(items: readonly T[], handle: (item: T) => Promise<void>, concurrency = RECORD_CONCURRENCY): Promise<void> {
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  for (const item of items) {
    if (running.size >= concurrency) await Promise.race(running);
    if (failure) break;
    const call: Promise<void> = handle(item)
      .catch((error: unknown) => {
        failure ??= { error };
      })
      .finally(() => running.delete(call));
    running.add(call);
    // One microtask turn: a call that failed synchronously has recorded its failure by now.
    await null;
  }
  await Promise.all(running);
  if (failure) throw failure.error;
}
