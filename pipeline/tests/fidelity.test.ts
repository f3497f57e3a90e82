/**
 * Game fidelity (issue 3, item 4): the repository's real handlers, run by the local function runtime
 * against real emulators, win and lose 2,000-message rounds exactly as the workshop teaches.
 *
 * Round boundaries: every round (except a) runs until the pipeline has gone idle (State delivered all
 * records, Reduce every pre-aggregate Map wrote, nothing in flight, no counter moving for 1.5 s), and
 * is judged on the totals it settled on. So a round's work never spills into the next one's
 * baseline, and each function instance's seeded failure draws are consumed round after round. The
 * game's own verdict is recorded too (it waits for a match to hold 1.5 s, because when a round's
 * last Reduce batch fails after its transaction the totals are exact for a moment before the retry
 * adds the batch again), but the settled totals are what "wrong" means here.
 *
 * Why the Lab 2 assertions hold, not by luck:
 * - Reduce without ClientRequestToken (d) spoils a round exactly when one of its invocations in
 *   that round fails after its transaction: the retry adds the batch again. With
 *   FAILURE_INJECTION_SEED set, the Reduce instance's draws are a fixed sequence (one draw per
 *   invocation that wrote; Reduce runs one at a time in one worker); only how many batches each
 *   round has (1 to 3 measured: one per 3 s Map window) depends on timing. `fewestSpoiledRounds`
 *   takes the minimum over every assignment of 1 to 10 batches per round: for FAILURE_SEED it is 2
 *   of 5 rounds (the sequence starts F F F . . F . . F . . F). A seed left to chance would spoil
 *   only 10-27 % of rounds (1 to 3 draws at 10 %).
 * - Starting State (c) writes unconditionally: the Lab 2 rounds below each hold a stale message sent
 *   at least 1,000 records after the newer version of its trade. With 4 shards read in parallel
 *   that is ~250 records (2-3 State batches) later in its own shard, so State writes it after the
 *   newer version and the trade ends stale, whatever the interleaving of shards. In (c) Reduce's
 *   failure percentage is 0, so its missing token never adds a batch twice: stale versions are the
 *   only wrong thing, and the diagnosis is exactly stale-versions (with both defects at work it
 *   depends on which one moved the totals more).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRound } from '@/generator/messages';
import { runRound } from '@/generator/round';
import { DEFAULT_FAILURE_PERCENTAGES } from '@/lib/pipeline-resources';
import type { FailurePercentages, Lab } from '@/lib/store/types';
import { kinesisFixture, pipelineTeamFixture, runtimeFixture } from '@/testing/fixtures';
import { type JudgedRound, judgedRound } from '@/testing/judged-round';
import { STARTING_HANDLERS as HANDED_OUT, type PipelineTeam } from '@/testing/pipeline-team';
import { fewestSpoiledRounds, largestStaleGap, mixedCodeDirectory, type PipelineChoice, seededFailures } from '../testing/game-rounds';

const ROUND_MESSAGES = 2000;
/** An upper bound only: rounds end when the pipeline is idle. */
const DEADLINE_SECONDS = 60;
const FAILURE_SEED = 'fidelity-137863';
const ENVIRONMENT = { FAILURE_INJECTION_SEED: FAILURE_SEED };
const NO_FAILURES: FailurePercentages = { state: 0, map: 0, reduce: 0 };
/** The bound on Reduce batches per round under which FAILURE_SEED's guarantee is computed. */
const MAX_REDUCE_BATCHES = 10;
/** Lab 2 rounds with a stale message far behind its newer version (see largestStaleGap). */
const FAR_STALE_SEEDS = [7, 8, 11, 13, 14];

const fullWiring = (handlers: Omit<PipelineChoice, 'wiring'>): PipelineChoice => ({ wiring: 'solution', ...handlers });
const STARTING_HANDLERS = fullWiring({ state: 'handlers', map: 'handlers', reduce: 'handlers' });
const STATE_FIX_ONLY = fullWiring({ state: 'solution', map: 'handlers', reduce: 'handlers' });
const REFERENCE = fullWiring({ state: 'solution', map: 'solution', reduce: 'solution' });

const kinesis = kinesisFixture();
const runtime = runtimeFixture();

/** A team of its own (its own DynamoDB Local) running `choice`, for the tests of one describe block. */
function teamRunning(slug: string, choice: PipelineChoice): () => PipelineTeam {
  const code = mixedCodeDirectory(choice);
  afterAll(() => code.remove());
  return pipelineTeamFixture(runtime, kinesis, slug, { codeDirectory: code.directory, environment: ENVIRONMENT });
}

async function rounds(
  team: PipelineTeam,
  label: string,
  lab: Lab,
  seeds: readonly number[],
  failurePercentages: FailurePercentages = lab === 2 ? { ...DEFAULT_FAILURE_PERCENTAGES } : NO_FAILURES,
): Promise<JudgedRound[]> {
  const results: JudgedRound[] = [];
  for (const seed of seeds) {
    const round = await judgedRound(team, { seed, lab, messages: ROUND_MESSAGES, deadlineSeconds: DEADLINE_SECONDS, failurePercentages });
    const { map, reduce } = round.activity;
    console.log(
      `${label} seed ${seed}: ${round.settled.passed ? 'exact' : `wrong (${round.diagnosis?.code})`}, game ${round.game}; ` +
        `Map ${map.successes} batch(es) in ${map.invocations} invocation(s), Reduce ${reduce.successes} batch(es) in ${reduce.invocations} invocation(s); ${(round.durationMs / 1000).toFixed(1)} s`,
    );
    results.push(round);
  }
  return results;
}

describe('Lab 1 on the handed-out pipeline (one team, wiring fixed between a and b)', () => {
  // (a) writes nothing to any table stream, so (b) may reuse its DynamoDB Local at full speed.
  const lab1Team = pipelineTeamFixture(runtime, kinesis, 'fidelity-lab1');
  let team: PipelineTeam;
  let wired: ReturnType<typeof mixedCodeDirectory> | undefined;
  beforeAll(() => {
    team = lab1Team();
  });
  afterAll(() => wired?.remove());

  it('a) with the starting wiring (Map only), a round changes nothing in the AggregateTable', async () => {
    await team.run(HANDED_OUT, ENVIRONMENT);
    // Ten seconds after the burst: the wired pipelines below settle a round in 5-10 s.
    const outcome = await runRound(team.target, { seed: 1, lab: 1, messages: ROUND_MESSAGES, deadlineSeconds: 10, failurePercentages: NO_FAILURES });
    expect(outcome.status).toBe('failed');
    expect(outcome.diagnosis?.code).toBe('no-change');
    expect((await team.readTable()).size).toBe(0);
    const { state, map, reduce } = team.counters();
    expect([state.invocations, map.invocations, reduce.invocations]).toEqual([0, 0, 0]);
  });

  it('b) with the full wiring and the starting handlers, 3 of 3 Lab 1 rounds are exact', async () => {
    wired = mixedCodeDirectory(STARTING_HANDLERS);
    await team.run(wired.directory, ENVIRONMENT);
    const results = await rounds(team, 'b) Lab 1, starting handlers:', 1, [2, 3, 4]);
    expect(results.map((round) => [round.settled.passed, round.game])).toEqual(results.map(() => [true, 'passed']));
  });
});

describe('Lab 2 with failure injection (5/10/10 %)', () => {
  it('the chosen seeds carry what the assertions rely on', () => {
    const draws = seededFailures(FAILURE_SEED, 'reduce', DEFAULT_FAILURE_PERCENTAGES.reduce, 400);
    expect(fewestSpoiledRounds(draws, 5, MAX_REDUCE_BATCHES)).toBeGreaterThanOrEqual(2);
    for (const seed of FAR_STALE_SEEDS) {
      expect(largestStaleGap(makeRound({ seed, lab: 2, messages: ROUND_MESSAGES, now: () => 0 }).records)).toBeGreaterThanOrEqual(1000);
    }
  });

  describe('c) full wiring, starting handlers, Reduce never failing (its own defect is d)', () => {
    const team = teamRunning('fidelity-starting', STARTING_HANDLERS);
    it('5 of 5 rounds are wrong, each with stale-versions', async () => {
      const results = await rounds(team(), 'c) Lab 2, starting handlers:', 2, FAR_STALE_SEEDS, { ...DEFAULT_FAILURE_PERCENTAGES, reduce: 0 });
      expect(results.map((round) => [round.seed, round.settled.passed, round.diagnosis?.code])).toEqual(
        results.map((round) => [round.seed, false, 'stale-versions']),
      );
    });
  });

  describe('d) full wiring, only the State fix applied', () => {
    const team = teamRunning('fidelity-state-fix', STATE_FIX_ONLY);
    it('rounds with a retried Reduce batch are wrong (double-applied): at least 2 of 5', async () => {
      const results = await rounds(team(), 'd) Lab 2, State fixed:', 2, FAR_STALE_SEEDS);
      for (const round of results) {
        expect(round.activity.reduce.successes).toBeLessThanOrEqual(MAX_REDUCE_BATCHES);
        const retried = round.activity.reduce.invocations > round.activity.reduce.successes;
        expect({ seed: round.seed, wrong: !round.settled.passed }).toEqual({ seed: round.seed, wrong: retried });
        if (retried) expect(round.diagnosis?.code).toBe('double-applied');
      }
      expect(results.filter((round) => !round.settled.passed).length).toBeGreaterThanOrEqual(2);
    });
  });

  describe('e) the reference solution', () => {
    const team = teamRunning('fidelity-reference', REFERENCE);
    it('10 of 10 rounds are exact', async () => {
      const results = await rounds(team(), 'e) Lab 2, reference:', 2, [...FAR_STALE_SEEDS, 16, 26, 34, 35, 37]);
      expect(results.map((round) => [round.seed, round.settled.passed, round.game])).toEqual(results.map((round) => [round.seed, true, 'passed']));
    });
  });
});
