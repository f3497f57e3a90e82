/**
 * Turning stored rounds into what the pages show: summaries without per-key detail, the phase of a
 * running round, the round a team's live table is measured against, the latest diagnosis, the
 * median time-to-correct, a round sealed while the standings are frozen, and a void round as the
 * public sees it (why it was void stays the organiser's).
 */
import type { Round } from '@/lib/store/types';
import { hintFor } from './hints';
import { median } from './stats';
import type { RoundSummary, RunningRound, SealedRound, TeamDiagnosis } from './types';

export function summariseRound(round: Round): RoundSummary {
  return {
    number: round.number,
    lab: round.lab,
    status: round.status,
    passed: round.status === 'passed',
    points: round.points ?? 0,
    startedAt: round.startedAt,
    endedAt: round.endedAt ?? null,
    timeToCorrectMs: round.status === 'passed' ? (round.timeToCorrectMs ?? null) : null,
    diagnosis: round.diagnosis ?? null,
    voidReason: round.voidReason ?? null,
    counts: round.counts ?? null,
  };
}

/** Why a void round was not scored, as the public reads it (the organiser's console keeps the reason itself). */
export const PUBLIC_VOID_REASON = 'Something failed on the organiser’s side; it does not count against the team.';

/**
 * A round as the public sees it: a void round's reason is the organiser's own business — a team's
 * role ARN with its account id and the external-id check when the role could not be assumed, the
 * organiser's errors otherwise — so the public reads only that the organiser's side failed.
 */
export function publicRound(round: RoundSummary): RoundSummary {
  return round.status === 'void' ? { ...round, voidReason: PUBLIC_VOID_REASON } : round;
}

export function isClosed(round: Pick<Round, 'status'>): boolean {
  return round.status !== 'running';
}

/** What a running round is doing: reading the baseline, sending, or waiting for the pipeline. */
export function runningRoundOf(round: Round): RunningRound {
  const phase = !round.baseline ? 'baseline' : !round.sentAt ? 'sending' : 'waiting';
  return { number: round.number, phase, startedAt: round.startedAt, deadlineAt: round.deadlineAt ?? null };
}

/** The newest round still running (rounds oldest first), as the pages show it. */
export function newestRunning(rounds: readonly Round[]): RunningRound | null {
  const newest = rounds.findLast((round) => !isClosed(round));
  return newest ? runningRoundOf(newest) : null;
}

/** The median time-to-correct of the passed rounds; null before the first. */
export function medianTimeToCorrect(summaries: readonly RoundSummary[]): number | null {
  return median(summaries.map((round) => round.timeToCorrectMs).filter((time): time is number => time !== null));
}

/** A round as the public sees it while the standings are frozen: its number and start, nothing that tells its verdict. */
export function sealRound(round: Pick<RoundSummary, 'number' | 'startedAt'>): SealedRound {
  return { number: round.number, status: 'sealed', startedAt: round.startedAt };
}

/** The newest round with a baseline (rounds in any order): the change of the live table is measured from it. */
export function referenceRound(rounds: readonly Round[]): Round | null {
  let best: Round | null = null;
  for (const round of rounds) if (round.baseline && (!best || round.number > best.number)) best = round;
  return best;
}

/** The diagnosis of the newest failed round, when it is the newest closed round. */
export function latestDiagnosis(closedNewestFirst: readonly RoundSummary[]): TeamDiagnosis | null {
  const latest = closedNewestFirst.find((round) => round.status !== 'void');
  if (!latest || latest.passed || !latest.diagnosis) return null;
  const { code, message, labStep } = latest.diagnosis;
  return { round: latest.number, code, message, labStep: labStep ?? null, hint: hintFor(code) };
}
