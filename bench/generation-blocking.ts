/**
 * How long making many teams' rounds at once blocks the event loop (issue 13 point 2):
 * `npx tsx bench/generation-blocking.ts [teams] [messages]` makes one round per team all at once,
 * first with `makeRound` on this thread (as the scheduler did) and then through `BurstWorkers` (worker
 * threads that keep the records, as the scheduler does now), and prints the event-loop delay of this thread
 * (perf_hooks monitorEventLoopDelay: max and p99) and the wall time of each.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout } from 'node:timers/promises';
import { BurstWorkers } from '@/generator/burst-workers';
import { makeRound } from '@/generator/messages';
import { wholeNumber } from '@/lib/cli-options';

const teams = process.argv[2] ? wholeNumber()(process.argv[2]) : 30;
const messages = process.argv[3] ? wholeNumber()(process.argv[3]) : 10_000;

async function measure(label: string, makeAll: () => Promise<unknown>): Promise<void> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  await setTimeout(50); // the monitor's timer runs before the work starts
  const started = performance.now();
  await makeAll();
  const wallMs = performance.now() - started;
  await setTimeout(50); // a blocked loop's delay is recorded when the loop turns again
  histogram.disable();
  const ms = (ns: number) => (ns / 1e6).toFixed(0);
  console.log(
    `${label}: ${teams} teams × ${messages} messages in ${(wallMs / 1000).toFixed(1)} s; event-loop delay max ${ms(histogram.max)} ms, p99 ${ms(histogram.percentile(99))} ms`,
  );
}

const plans = Array.from({ length: teams }, (_, team) => ({ seed: team + 1, lab: ((team % 2) + 1) as 1 | 2, messages }));
makeRound({ seed: 0, lab: 2, messages: 1000 }); // warm-up
await measure('makeRound (one go)', async () => {
  await Promise.resolve();
  return Promise.all(plans.map(async (plan) => makeRound(plan)));
});
const workers = new BurstWorkers();
await Promise.all([1, 2, 3, 4].map((seed) => workers.make({ seed, lab: 2, messages: 1000 }))); // the workers started and warm
await measure('BurstWorkers (worker threads)', () => Promise.all(plans.map((plan) => workers.make(plan))));
await workers.close();
