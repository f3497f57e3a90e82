/**
 * A round judged once the pipeline is idle: the game's rule (totals read after the pipeline had its
 * time) without depending on how fast this machine is. The round runs through the generator as the
 * scheduler runs it; once the team's pipeline has handled every record and gone quiet, the settled
 * change of the AggregateTable is judged and, when wrong, diagnosed by the game's own `diagnose`.
 */
import { makeRound } from '@/generator/messages';
import { type RoundOutcome, type RoundSettings, runRound } from '@/generator/round';
import { diagnose } from '@/lib/domain/diagnosis';
import { type ChangeVerdict, judgeChange } from '@/lib/domain/verdict';
import type { Diagnosis } from '@/lib/store/types';
import type { PipelineCounters, PipelineTeam } from './pipeline-team';

export interface JudgedRound {
  seed: number;
  /** The game's verdict: 'passed' at the first read that matched; 'void' when stopped once settled wrong. */
  game: RoundOutcome['status'];
  /** The change of the AggregateTable once the pipeline went idle. */
  settled: ChangeVerdict;
  /** The diagnosis of the settled change (null when exact), as the game gives it at a deadline. */
  diagnosis: Diagnosis | null;
  /** What each function did during the round. */
  activity: PipelineCounters;
  durationMs: number;
}

/**
 * Runs a round, waits until the pipeline is idle, then judges the settled change. A settled-exact
 * round is left to the game to pass (give it a generous deadline); a settled-wrong one can no longer
 * change, so the game's wait for its deadline is cut short and the settled table is diagnosed.
 */
export async function judgedRound(team: PipelineTeam, settings: RoundSettings): Promise<JudgedRound> {
  const started = performance.now();
  const before = team.counters();
  const baseline = await team.readTable();
  const generated = makeRound({ seed: settings.seed, lab: settings.lab, messages: settings.messages });
  const stop = new AbortController();
  const game = runRound(team.target, settings, { signal: stop.signal });
  const activity = await team.idleAfter(before, generated.counts.messages);
  const after = await team.readTable();
  const settled = judgeChange(baseline, after, generated.expected);
  if (!settled.passed) stop.abort('settled wrong');
  const outcome = await game;
  const diagnosis = settled.passed
    ? null
    : diagnose({ lab: settings.lab, expected: generated.expected, baseline, after, stillChanging: false, facts: generated.facts });
  return { seed: settings.seed, game: outcome.status, settled, diagnosis, activity, durationMs: performance.now() - started };
}
