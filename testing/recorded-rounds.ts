/**
 * Rounds written into an organiser store as the scheduler writes them — started under the lease,
 * closed with their verdict and points in the same transaction — for tests of what the scoreboard
 * and the organiser's exports show, without running a pipeline; and rounds offered to a remote
 * team's agent (docs/room.md).
 */
import { AGGREGATION_KEYS } from '@/lib/domain/hierarchy';
import type { OrganiserStore } from '@/lib/store/organiser-store';
import type { Diagnosis, Round } from '@/lib/store/types';

const LEASE = { holder: 'recorded-rounds' };
const ZEROS = Object.fromEntries(AGGREGATION_KEYS.map((key) => [key, '0']));
/** One trade of 10.50 in PV:FXSpot:EMEA, rolled up. */
const EXPECTED = { ...Object.fromEntries(AGGREGATION_KEYS.map((key) => [key, '0.00'])), PV: '10.50', 'PV:FXSpot': '10.50', 'PV:FXSpot:EMEA': '10.50' };

/** Starts round `number` of a team (baseline read, burst sent), holding the scheduler's lease. */
export async function startRecordedRound(store: OrganiserStore, team: string, number: number): Promise<Round> {
  if (!(await store.acquireLease(LEASE.holder, 600_000))) throw new Error('another scheduler holds the lease of this store');
  const startedAt = new Date().toISOString();
  const round: Round = { team, number, lab: 1, seed: number, status: 'running', startedAt, sentAt: startedAt, points: 0, baseline: ZEROS, expected: EXPECTED };
  await store.startRound(round, LEASE);
  return round;
}

/** Closes a running round: passed (100 points), failed with a diagnosis, or void with a reason. */
export async function closeRecordedRound(
  store: OrganiserStore,
  round: Round,
  outcome: { passed: true } | { passed: false; diagnosis: Diagnosis } | { passed: false; voidReason: string },
): Promise<void> {
  const team = await store.getTeam(round.team);
  if (!team) throw new Error(`no team ${round.team} in the store`);
  const endedAt = new Date().toISOString();
  const closed: Round = outcome.passed
    ? { ...round, status: 'passed', points: 100, timeToCorrectMs: 4200, diagnosis: null, endedAt }
    : 'voidReason' in outcome
      ? { ...round, status: 'void', points: 0, timeToCorrectMs: null, diagnosis: null, voidReason: outcome.voidReason, endedAt }
      : { ...round, status: 'failed', points: 0, timeToCorrectMs: null, diagnosis: outcome.diagnosis, endedAt };
  if (!(await store.closeRound(closed, LEASE, team))) throw new Error(`round ${round.number} of ${round.team} was not running`);
}

/** A round started and closed at once. */
export async function recordRound(store: OrganiserStore, team: string, number: number, outcome: Parameters<typeof closeRecordedRound>[2]): Promise<void> {
  await closeRecordedRound(store, await startRecordedRound(store, team, number), outcome);
}

/**
 * Offers round `number` to a remote team's agent as the scheduler does (the round record with its
 * offer), holding the scheduler's lease; `startBy` defaults to 15 s after the offer.
 */
export async function offerRecordedRound(store: OrganiserStore, team: string, number: number, options: { startBy?: string } = {}): Promise<Round> {
  if (!(await store.acquireLease(LEASE.holder, 600_000))) throw new Error('another scheduler holds the lease of this store');
  const offeredAt = new Date().toISOString();
  const round: Round = {
    team,
    number,
    lab: 1,
    seed: number,
    status: 'running',
    startedAt: offeredAt,
    points: 0,
    offer: {
      messages: 200,
      failurePercentages: { state: 0, map: 0, reduce: 0 },
      deadlineSeconds: 30,
      offeredAt,
      startBy: options.startBy ?? new Date(Date.parse(offeredAt) + 15_000).toISOString(),
    },
  };
  await store.startRound(round, LEASE);
  return round;
}
