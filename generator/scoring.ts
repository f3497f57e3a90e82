/**
 * Scoring: turns a round's outcome into the record the organiser store keeps (verdict per key,
 * time-to-correct, diagnosis, times) with its points: +100 for a pass, nothing otherwise.
 */
import { POINTS_PER_ROUND } from '@/lib/store/organiser-store';
import type { Round } from '@/lib/store/types';
import { expectedDecimals, type RoundOutcome, recordedValues } from './round';

/** Points a round's outcome earns. */
export function pointsFor(outcome: Pick<RoundOutcome, 'status'>): number {
  return outcome.status === 'passed' ? POINTS_PER_ROUND : 0;
}

/** The final record of a round: its identity and start from `running`, everything else from the outcome. */
export function closedRound(running: Pick<Round, 'team' | 'number' | 'startedAt'>, outcome: RoundOutcome): Round {
  return {
    team: running.team,
    number: running.number,
    lab: outcome.lab,
    seed: outcome.seed,
    status: outcome.status,
    startedAt: running.startedAt,
    sendStartedAt: outcome.sendStartedAt,
    sentAt: outcome.sentAt,
    deadlineAt: outcome.deadlineAt,
    endedAt: outcome.endedAt,
    counts: outcome.counts,
    baseline: outcome.baseline ? recordedValues(outcome.baseline) : undefined,
    expected: expectedDecimals(outcome.expected),
    keys: outcome.verdict?.keys,
    timeToCorrectMs: outcome.timeToCorrectMs,
    diagnosis: outcome.diagnosis,
    voidReason: outcome.voidReason,
    points: pointsFor(outcome),
  };
}

/** The record of a round that ended void without an outcome (our side failed, or it was interrupted). */
export function voidRound(round: Round, reason: string): Round {
  return {
    ...round,
    status: 'void',
    voidReason: reason,
    endedAt: new Date().toISOString(),
    points: 0,
    timeToCorrectMs: round.timeToCorrectMs ?? null,
    diagnosis: null,
  };
}
