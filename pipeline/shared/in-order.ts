/**
 * Running the items of a batch through a handler in order, a few at a time: DynamoDB (and DynamoDB
 * Local even more) serves parallel writes much faster than one after another.
 */

/** How many writes of a batch State has in flight at the same time. */
export const RECORD_CONCURRENCY = 10;

/**
 * Calls `handle` for each item in order, with at most `concurrency` calls running at once. When a
 * call throws, no further item starts; the calls already running finish, then the first error is
 * rethrown (as if the items had been handled one after another up to the failing one).
 */
export async function forEachInOrder<T>(items: readonly T[], handle: (item: T) => Promise<void>, concurrency = RECORD_CONCURRENCY): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (!failure && next < items.length) {
      const item = items[next];
      next += 1;
      try {
        await handle(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  if (failure) throw failure.error;
}
