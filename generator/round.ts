/**
 * One round for one team (SPEC §4): make the messages, write the lab's failure percentages, read
 * the baseline, send, poll the AggregateTable every 500 ms until the change matches or the
 * deadline passes, then the verdict (with time-to-correct) and, for a failed round, the diagnosis.
 * Shared by the scheduler, the CLI and the Lambda handler.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { classifyTableError, readAggregateTable, TableReadError } from '@/lib/aws/aggregate-table';
import { type Connection, dynamoDbClient } from '@/lib/aws/clients';
import { diagnose } from '@/lib/domain/diagnosis';
import { AGGREGATION_KEYS, type CentsByKey, MESSAGE_COUNT_KEY } from '@/lib/domain/hierarchy';
import { centsToDecimal } from '@/lib/domain/money';
import { type ChangeVerdict, judgeChange, type TableValues } from '@/lib/domain/verdict';
import { FAILURE_PARAMETERS, PIPELINE_FUNCTIONS, type PipelineResources } from '@/lib/pipeline-resources';
import type { Diagnosis, FailurePercentages, Lab, Round, RoundCounts } from '@/lib/store/types';
import { type GeneratedRound, makeRound } from './messages';
import { SendError, type SendReport, sendRecords } from './sender';

export const POLL_INTERVAL_MS = 500;
/**
 * A match counts once it still holds this long after the first matching read: when Reduce fails
 * right after its last transaction, the totals are exact for the moment before the retried batch
 * is added again, and a poll landing in that moment must not pass the round. Time-to-correct is
 * still the first matching read; a match that began before the deadline may be confirmed after it.
 */
export const MATCH_CONFIRMATION_MS = 1500;
/**
 * The table counts as still changing at the deadline when it changed within a window before it: a
 * quarter of the deadline, at least 1 s and at most 4 s (a working pipeline writes more often).
 */
export function stillChangingWindowMs(deadlineSeconds: number): number {
  return Math.min(4000, Math.max(1000, (deadlineSeconds * 1000) / 4));
}
/** A single read of the AggregateTable never holds up polling longer than this. */
const READ_TIMEOUT_MS = 5000;

/** Where a team's pipeline lives. */
export interface TeamTarget {
  connection: Connection;
  resources: PipelineResources;
}

export interface RoundSettings {
  seed: number;
  lab: Lab;
  /** Records to send, duplicates included. */
  messages: number;
  /** Seconds after the burst was sent. */
  deadlineSeconds: number;
  /** Written to the team's ParameterTable before the round; the ParameterTable is left alone when absent. */
  failurePercentages?: FailurePercentages;
  pollIntervalMs?: number;
  maxSendAttempts?: number;
}

/** The fields of the round record that become known while it runs. */
export type RoundProgress = Pick<Round, 'counts' | 'baseline' | 'expected' | 'sendStartedAt' | 'sentAt' | 'deadlineAt'>;

export interface RoundHooks {
  /** A milestone: messages made and baseline read, sending started, burst sent. Not awaited. */
  onProgress?: (fields: Partial<RoundProgress>) => void;
  onSendProgress?: (acknowledged: number, total: number) => void;
  /** Every poll of the AggregateTable while waiting for the pipeline. */
  onPoll?: (verdict: ChangeVerdict, sinceSendStartMs: number) => void;
  /** Stops the round early (it ends void). */
  signal?: AbortSignal;
}

export interface RoundOutcome {
  status: 'passed' | 'failed' | 'void';
  seed: number;
  lab: Lab;
  counts: RoundCounts;
  /** Expected change of the 18 keys, in cents. */
  expected: CentsByKey;
  baseline?: TableValues;
  /** The last successful read of the table. */
  after?: TableValues;
  verdict?: ChangeVerdict;
  sendStartedAt?: string;
  sentAt?: string;
  deadlineAt?: string;
  endedAt: string;
  /** From the start of sending to the first read that matched; null when it never matched. */
  timeToCorrectMs: number | null;
  diagnosis: Diagnosis | null;
  voidReason?: string;
  send?: SendReport;
}

class RoundStopped extends Error {}

/** The 18 keys and message_count of a table read, as the round record keeps them. */
export function recordedValues(values: TableValues): Record<string, string> {
  return Object.fromEntries([...AGGREGATION_KEYS, MESSAGE_COUNT_KEY].filter((key) => values.has(key)).map((key) => [key, values.get(key)!]));
}

/** Expected change as decimal strings with 2 decimals (all 18 keys). */
export function expectedDecimals(expected: Readonly<CentsByKey>): Record<string, string> {
  return Object.fromEntries(AGGREGATION_KEYS.map((key) => [key, centsToDecimal(expected[key] ?? 0)]));
}

/** Writes each function's failure percentage to the team's ParameterTable. */
export async function writeFailurePercentages(target: TeamTarget, percentages: FailurePercentages): Promise<void> {
  const client = dynamoDbClient(target.connection);
  const table = target.resources.parameterTable;
  try {
    await Promise.all(
      PIPELINE_FUNCTIONS.map((fn) =>
        client.send(new PutItemCommand({ TableName: table, Item: { parameter: { S: FAILURE_PARAMETERS[fn] }, value: { N: String(percentages[fn]) } } })),
      ),
    );
  } catch (error) {
    throw classifyTableError(error, table);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TableReadError('unreachable', `${what} did not answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, Math.max(0, ms));
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function sameValues(a: TableValues, b: TableValues): boolean {
  if (a.size !== b.size) return false;
  for (const [key, value] of a) if (b.get(key) !== value) return false;
  return true;
}

/** Whether a failure is the team's (scored as a failed round) rather than ours (void). */
function isTeamSide(kind: string): boolean {
  return kind === 'missing-table' || kind === 'access-denied';
}

/** Runs one round against one team and returns its outcome; never throws for the team's faults. */
export async function runRound(target: TeamTarget, settings: RoundSettings, hooks: RoundHooks = {}): Promise<RoundOutcome> {
  const generated = makeRound({ seed: settings.seed, lab: settings.lab, messages: settings.messages });
  const base = { seed: settings.seed, lab: settings.lab, counts: generated.counts, expected: generated.expected };
  const end = (
    fields: Omit<RoundOutcome, 'seed' | 'lab' | 'counts' | 'expected' | 'endedAt' | 'timeToCorrectMs'> & { timeToCorrectMs?: number | null },
  ): RoundOutcome => ({
    ...base,
    timeToCorrectMs: null,
    ...fields,
    endedAt: new Date().toISOString(),
  });
  const failedOn = (error: TableReadError | SendError, extra: Partial<RoundOutcome> = {}): RoundOutcome => {
    const kind = error.kind === 'missing-stream' ? 'missing-table' : error.kind;
    if (!isTeamSide(kind)) return end({ status: 'void', diagnosis: null, voidReason: error.message, ...extra });
    return end({
      status: 'failed',
      diagnosis: diagnose({
        lab: settings.lab,
        expected: generated.expected,
        readFailure: { kind, message: error.message },
        stillChanging: false,
        facts: generated.facts,
      }),
      ...extra,
    });
  };
  const stopped = () => {
    const reason = hooks.signal?.reason;
    return end({ status: 'void', diagnosis: null, voidReason: typeof reason === 'string' ? reason : 'the round was stopped before it ended' });
  };
  const checkStop = () => {
    if (hooks.signal?.aborted) throw new RoundStopped();
  };

  try {
    checkStop();
    if (settings.failurePercentages) {
      try {
        await writeFailurePercentages(target, settings.failurePercentages);
      } catch (error) {
        return failedOn(classifyTableError(error, target.resources.parameterTable));
      }
    }
    let baseline: TableValues;
    try {
      baseline = await withTimeout(
        readAggregateTable(target.connection, target.resources.aggregateTable),
        READ_TIMEOUT_MS,
        `table ${target.resources.aggregateTable}`,
      );
    } catch (error) {
      return failedOn(classifyTableError(error, target.resources.aggregateTable));
    }
    hooks.onProgress?.({ counts: generated.counts, baseline: recordedValues(baseline), expected: expectedDecimals(generated.expected) });
    checkStop();

    const sendStarted = performance.now();
    const sendStartedAt = new Date().toISOString();
    hooks.onProgress?.({ sendStartedAt });
    let send: SendReport;
    try {
      send = await sendRecords(target.connection, target.resources.streamName, generated.records, {
        maxAttempts: settings.maxSendAttempts,
        onProgress: hooks.onSendProgress,
        signal: hooks.signal,
      });
    } catch (error) {
      if (error instanceof SendError) {
        if (error.kind === 'aborted') throw new RoundStopped();
        return failedOn(error, { baseline, sendStartedAt });
      }
      throw error;
    }
    const sentAtMs = Date.now();
    const sentAt = new Date(sentAtMs).toISOString();
    const deadlineMs = performance.now() + settings.deadlineSeconds * 1000;
    const deadlineAt = new Date(sentAtMs + settings.deadlineSeconds * 1000).toISOString();
    hooks.onProgress?.({ sentAt, deadlineAt });

    const waited = await waitForChange(target, generated, baseline, hooks, {
      deadlineMs,
      stillChangingWindowMs: stillChangingWindowMs(settings.deadlineSeconds),
      sendStarted,
      pollIntervalMs: settings.pollIntervalMs ?? POLL_INTERVAL_MS,
    });
    const times = { baseline, sendStartedAt, sentAt, deadlineAt, send };
    if (waited.verdict?.passed) {
      return end({ status: 'passed', diagnosis: null, after: waited.after, verdict: waited.verdict, timeToCorrectMs: waited.timeToCorrectMs, ...times });
    }
    if (waited.error && (isTeamSide(waited.error.kind) || !waited.after)) return failedOn(waited.error, times);
    return end({
      status: 'failed',
      after: waited.after,
      verdict: waited.verdict,
      diagnosis: diagnose({
        lab: settings.lab,
        expected: generated.expected,
        baseline,
        after: waited.after,
        stillChanging: waited.stillChanging,
        facts: generated.facts,
      }),
      ...times,
    });
  } catch (error) {
    if (error instanceof RoundStopped) return stopped();
    throw error;
  }
}

interface WaitResult {
  verdict?: ChangeVerdict;
  after?: TableValues;
  /** The last read's failure, when the last read failed. */
  error?: TableReadError;
  timeToCorrectMs: number | null;
  stillChanging: boolean;
}

interface WaitTiming {
  /** performance.now() values. */
  deadlineMs: number;
  sendStarted: number;
  stillChangingWindowMs: number;
  pollIntervalMs: number;
}

/** Polls the AggregateTable until the change matches (and keeps matching) or the deadline passes. */
async function waitForChange(target: TeamTarget, generated: GeneratedRound, baseline: TableValues, hooks: RoundHooks, timing: WaitTiming): Promise<WaitResult> {
  const { deadlineMs, sendStarted, pollIntervalMs } = timing;
  let previous = baseline;
  let lastChangeAt = -Infinity;
  /** The first read of the current run of matching reads (null while the change does not match). */
  let match: { readAt: number; readStartedBeforeDeadline: boolean } | null = null;
  const result: WaitResult = { timeToCorrectMs: null, stillChanging: false };
  for (;;) {
    if (hooks.signal?.aborted) throw new RoundStopped();
    const pollStarted = performance.now();
    try {
      const values = await withTimeout(
        readAggregateTable(target.connection, target.resources.aggregateTable),
        Math.min(READ_TIMEOUT_MS, Math.max(1000, deadlineMs - pollStarted)),
        `table ${target.resources.aggregateTable}`,
      );
      const readAt = performance.now();
      if (!sameValues(previous, values)) lastChangeAt = readAt;
      previous = values;
      result.after = values;
      result.error = undefined;
      result.verdict = judgeChange(baseline, values, generated.expected);
      hooks.onPoll?.(result.verdict, readAt - sendStarted);
      match = result.verdict.passed ? (match ?? { readAt, readStartedBeforeDeadline: pollStarted < deadlineMs }) : null;
      if (match && readAt - match.readAt >= MATCH_CONFIRMATION_MS) {
        result.timeToCorrectMs = Math.round(match.readAt - sendStarted);
        return result;
      }
    } catch (error) {
      result.error = classifyTableError(error, target.resources.aggregateTable);
      match = null;
    }
    const now = performance.now();
    const confirming = match?.readStartedBeforeDeadline === true;
    if (now >= deadlineMs && !confirming) {
      result.stillChanging = lastChangeAt >= deadlineMs - timing.stillChangingWindowMs;
      return result;
    }
    await sleep(confirming ? pollIntervalMs - (now - pollStarted) : Math.min(deadlineMs - now, pollIntervalMs - (now - pollStarted)), hooks.signal);
  }
}
