/**
 * The GeneratorLambda's record of one account's game, an item of that account's ParameterTable:
 * its score, its lab (Lab 2 from 300 points, as in the central game), its rounds, and a guard that
 * keeps two rounds from running at once. A round claims the guard before it starts and releases it
 * when its result is written; a guard left behind by a run that died expires with that run's time.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { labForScore } from '@/lib/store/organiser-store';
import type { Diagnosis, Lab, RoundStatus } from '@/lib/store/types';

/** The ParameterTable item (`parameter` is its key) holding the account's record; `value` is the score. */
export const ACCOUNT_RECORD_PARAMETER = 'GENERATOR_SCORE';

/** The account's game as the record keeps it. */
export interface AccountRecord {
  score: number;
  /** The lab progression gives: 1, then 2 from 300 points (an organiser's LAB variable overrides it per round). */
  lab: Lab;
  rounds: number;
  passed: number;
  /** When the account reached its score (ISO), absent before its first points. */
  scoreReachedAt?: string;
}

/** What the record keeps of the last round. */
export interface LastRound {
  number: number;
  status: RoundStatus;
  lab: Lab;
  points: number;
  endedAt: string;
  timeToCorrectMs: number | null;
  diagnosis: Diagnosis['code'] | null;
  voidReason?: string;
}

/** A claimed guard: the run that holds it, and the account's record when it was claimed. */
export interface Claim {
  runId: string;
  record: AccountRecord;
}

/** The guard is held by another run (a round still running). */
export interface Busy {
  heldUntil: string;
}

const KEY = { parameter: ACCOUNT_RECORD_PARAMETER };

/** An account's record from the item's attributes (a new account has none). */
function recordOf(item: Record<string, unknown> | undefined): AccountRecord {
  const number = (name: string) => (typeof item?.[name] === 'number' ? (item[name] as number) : 0);
  const score = number('value');
  return {
    score,
    lab: number('lab') === 2 ? 2 : labForScore({ lab: 1, labOverride: null }, score),
    rounds: number('rounds'),
    passed: number('passed'),
    scoreReachedAt: typeof item?.scoreReachedAt === 'string' ? item.scoreReachedAt : undefined,
  };
}

/**
 * Claims the guard until `until` (the end of this run's time) unless another run holds it.
 * Returns the claim with the record, or who holds it.
 */
export async function claimRound(documents: DynamoDBDocumentClient, table: string, runId: string, now: Date, until: Date): Promise<Claim | Busy> {
  try {
    const result = await documents.send(
      new UpdateCommand({
        TableName: table,
        Key: KEY,
        UpdateExpression: 'SET runId = :runId, runningUntil = :until',
        ConditionExpression: 'attribute_not_exists(runningUntil) OR runningUntil < :now',
        ExpressionAttributeValues: { ':runId': runId, ':until': until.getTime(), ':now': now.getTime() },
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { runId, record: recordOf(result.Attributes) };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const heldUntil = Number(error.Item?.runningUntil?.N);
    return { heldUntil: Number.isFinite(heldUntil) ? new Date(heldUntil).toISOString() : 'unknown' };
  }
}

/** The record after a round that earned `points`: +points, Lab 2 from 300 points, one more round. */
export function recordAfter(record: AccountRecord, points: number, endedAt: string): AccountRecord {
  const score = record.score + points;
  return {
    score,
    lab: labForScore({ lab: record.lab, labOverride: null }, score),
    rounds: record.rounds + 1,
    passed: record.passed + (points > 0 ? 1 : 0),
    scoreReachedAt: points > 0 ? endedAt : record.scoreReachedAt,
  };
}

/**
 * Writes the record after a round and releases the guard, only while this run still holds it.
 * Returns false when it no longer does (its time had run out and another run claimed the guard).
 */
export async function finishRound(documents: DynamoDBDocumentClient, table: string, claim: Claim, record: AccountRecord, last: LastRound): Promise<boolean> {
  try {
    await documents.send(
      new UpdateCommand({
        TableName: table,
        Key: KEY,
        UpdateExpression: `SET #value = :score, lab = :lab, rounds = :rounds, passed = :passed, lastRound = :last${record.scoreReachedAt ? ', scoreReachedAt = :reached' : ''} REMOVE runId, runningUntil`,
        ConditionExpression: 'runId = :runId',
        ExpressionAttributeNames: { '#value': 'value' },
        ExpressionAttributeValues: {
          ':score': record.score,
          ':lab': record.lab,
          ':rounds': record.rounds,
          ':passed': record.passed,
          ':last': last,
          ':runId': claim.runId,
          ...(record.scoreReachedAt ? { ':reached': record.scoreReachedAt } : {}),
        },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** Releases the guard without recording a round (the run failed before it had a result). */
export async function releaseRound(documents: DynamoDBDocumentClient, table: string, claim: Claim): Promise<void> {
  try {
    await documents.send(
      new UpdateCommand({
        TableName: table,
        Key: KEY,
        UpdateExpression: 'REMOVE runId, runningUntil',
        ConditionExpression: 'runId = :runId',
        ExpressionAttributeValues: { ':runId': claim.runId },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}
