/**
 * The worker thread of `RoundMaker` (./round-maker.ts): makes each round it is asked for with
 * `makeRound` and posts it back, so the scheduler's event loop never runs the ~55 ms (10,000 messages) of it.
 */
import { parentPort } from 'node:worker_threads';
import { errorMessage } from '@/lib/errors';
import { makeRound, type RoundPlan } from './messages';

parentPort?.on('message', ({ id, plan }: { id: number; plan: RoundPlan }) => {
  try {
    parentPort?.postMessage({ id, round: makeRound(plan) });
  } catch (error) {
    parentPort?.postMessage({ id, error: errorMessage(error) });
  }
});
