/**
 * The worker thread of `RoundMaker` (./round-maker.ts): makes each round it is asked for with
 * `makeRound` and posts it back, so the scheduler's event loop never runs the ~55 ms (10,000 messages) of it.
 */
import { parentPort } from 'node:worker_threads';
import { errorMessage } from '@/lib/errors';
import { makeRound, type RoundPlan } from './messages';

parentPort?.on('message', ({ id, plan, stampedAt }: { id: number; plan: Omit<RoundPlan, 'now'>; stampedAt?: number }) => {
  try {
    parentPort?.postMessage({ id, round: makeRound(stampedAt === undefined ? plan : { ...plan, now: () => stampedAt }) });
  } catch (error) {
    parentPort?.postMessage({ id, error: errorMessage(error) });
  }
});
