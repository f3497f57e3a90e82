/**
 * Rounds (partition `ROUND#<slug>`, sorted by zero-padded number), the event's round counter
 * (`COUNTER`/`round`) and the marks of running rounds (partition `RUNNING`) that let a new scheduler
 * void what a crashed one left open. A round is started and closed in transactions that check the
 * scheduler still holds the lease, and closing awards its points on the condition `roundStillOpen`:
 * a round is scored at most once whatever crashes or restarts.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { LeaseRecords, LeaseToken } from './lease';
import { attributeIs, type Condition, conditionHeld, itemAbsent, type StoreTable, type TransactionPart } from './table';
import type { TeamRecords } from './teams';
import type { Round, Team } from './types';

const COUNTER_KEY = { pk: 'COUNTER', sk: 'round' };
/**
 * Rounds recorded in one transaction at most: two writes each and the lease's check, within the
 * 100 items DynamoDB (and DynamoDB Local) take in a transaction. 100 teams' rounds start in 3
 * transactions instead of 100: in DynamoDB Local, niced at load average ~10, 100 transactions of
 * one round took 1.0-1.5 s and 3 of 49 rounds 0.14-0.4 s, all sent at once.
 */
export const ROUNDS_PER_START = 49;
const RUNNING_PK = 'RUNNING';

const roundPk = (slug: string) => `ROUND#${slug}`;
const roundSk = (number: number) => String(number).padStart(10, '0');
/** A round record's key (also for ./agent-records.ts, which writes the agent's reports on it). */
export const roundKey = (slug: string, number: number) => ({ pk: roundPk(slug), sk: roundSk(number) });
const runningKey = (slug: string, number: number) => ({ pk: RUNNING_PK, sk: `${slug}#${roundSk(number)}` });

/** The round has not been closed yet. */
export const roundStillOpen: Condition = attributeIs('status', 'running');

export interface RoundListOptions {
  /** At most this many rounds, newest first. */
  limit?: number;
  /** Only rounds numbered above this one, oldest first. */
  after?: number;
}

export class RoundRecords {
  constructor(
    private readonly table: StoreTable,
    private readonly teams: TeamRecords,
    private readonly lease: LeaseRecords,
  ) {}

  /** The next round number of the event (shared by all teams started together). */
  async allocateNumber(): Promise<number> {
    const counter = await this.table.update<{ value: number }>(COUNTER_KEY, { add: { value: 1 } });
    return counter.value;
  }

  /** The number `allocateNumber` would give next (read only: another process may take it first). */
  async peekNextNumber(): Promise<number> {
    const counter = await this.table.get<{ value: number }>(COUNTER_KEY);
    return (counter?.value ?? 0) + 1;
  }

  /**
   * Records rounds as running (and marks them for crash recovery) in one transaction (at most
   * ROUNDS_PER_START of them); the lease must be held. A round whose record exists already is
   * refused alone: the others are recorded without it (one team's problem never stops another's
   * start), and the refused are returned. Anything else (the lease lost, the store unreachable, a
   * conflict) records none and throws.
   */
  async start(rounds: readonly Round[], lease: LeaseToken): Promise<Round[]> {
    if (rounds.length > ROUNDS_PER_START) throw new Error(`at most ${ROUNDS_PER_START} rounds are started together (${rounds.length} given)`);
    const refused: Round[] = [];
    let pending = [...rounds];
    while (pending.length > 0) {
      try {
        await this.table.transact([
          ...pending.flatMap((round) => [
            this.table.putPart(roundKey(round.team, round.number), round, itemAbsent),
            this.table.putPart(runningKey(round.team, round.number), { team: round.team, number: round.number }),
          ]),
          this.lease.heldCheck(lease),
        ]);
        break;
      } catch (error) {
        // One reason per part, in order: round k's record is part 2k, the lease's check the last.
        const reasons = error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []) : [];
        const conditionFailed = (part: number) => reasons[part]?.Code === 'ConditionalCheckFailed';
        const recordedAlready = pending.filter((_, index) => conditionFailed(2 * index));
        if (recordedAlready.length === 0 || conditionFailed(2 * pending.length)) throw error;
        refused.push(...recordedAlready);
        pending = pending.filter((round) => !recordedAlready.includes(round));
      }
    }
    return refused;
  }

  /** Adds progress to a running round (baseline, expected totals, send times…). */
  async updateRunning(team: string, number: number, changes: Partial<Round>): Promise<void> {
    await this.table.update(roundKey(team, number), { set: changes }, roundStillOpen);
  }

  /**
   * Closes a running round with its final record and awards its points to the team, atomically.
   * Returns false (and changes nothing) when the round was already closed or the lease is lost.
   */
  async close(round: Round, lease: LeaseToken, team: Pick<Team, 'lab' | 'labOverride' | 'score'>): Promise<boolean> {
    const { team: slug, number, ...fields } = round;
    const parts: TransactionPart[] = [
      this.table.updatePart(roundKey(slug, number), { set: fields }, roundStillOpen),
      this.table.deletePart(runningKey(slug, number)),
      this.lease.heldCheck(lease),
    ];
    if (round.points > 0) parts.push(this.teams.scoreAwardPart(slug, team, round.points, round.endedAt ?? new Date().toISOString()));
    return conditionHeld(this.table.transact(parts));
  }

  /** Rounds left running (by a scheduler that crashed), to be closed as void. */
  async listRunning(): Promise<Array<{ team: string; number: number }>> {
    return this.table.query(RUNNING_PK, { attributes: ['team', 'number'] });
  }

  async get(team: string, number: number): Promise<Round | null> {
    return this.table.get<Round>(roundKey(team, number));
  }

  /** A team's rounds: the newest `limit` (newest first), or all after a number (oldest first). */
  async list(team: string, options: RoundListOptions = {}): Promise<Round[]> {
    if (options.after !== undefined) return this.table.query<Round>(roundPk(team), { skAfter: roundSk(options.after) });
    return this.table.query<Round>(roundPk(team), { newestFirst: true, limit: options.limit });
  }

  /**
   * Removes a team's round history and the marks of its running rounds (a round its scheduler is
   * still running can then never be closed: left marked, it would count as running for good).
   */
  async deleteAll(team: string): Promise<void> {
    const rounds = await this.table.query<Pick<Round, 'number'>>(roundPk(team), { attributes: ['number'] });
    const running = (await this.listRunning()).filter((mark) => mark.team === team);
    await this.table.deleteAll([...rounds.map((round) => roundKey(team, round.number)), ...running.map((mark) => runningKey(team, mark.number))]);
  }
}
