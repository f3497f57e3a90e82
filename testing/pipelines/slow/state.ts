/**
 * Broken pipeline "slow": the reference solution's State, except that it takes a second per batch
 * (its wiring cuts batches of 10): records arrive long after a round's deadline, and the totals are
 * still changing when it passes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Context, KinesisStreamEvent } from 'aws-lambda';
import { handler as referenceState } from '../../../pipeline/solution/state';

const DELAY_PER_BATCH_MS = 1000;

export const handler = async (event: KinesisStreamEvent, context: Context): Promise<void> => {
  await sleep(DELAY_PER_BATCH_MS);
  await referenceState(event, context);
};
