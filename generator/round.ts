/**
 * One round for one team (docs/game.md, "A round"), as named steps over a team channel
 * (./team-channel.ts) driven by one AbortSignal: `prepare` (make the messages, write the lab's
 * failure percentages, read the baseline), `send` the burst, `awaitPipeline` (poll the
 * AggregateTable every 500 ms, less often while nothing reached it, until a match is confirmed or
 * the deadline passes), `judge` (the verdict with time-to-correct, or the diagnosis of a failed round). A step that cannot go on
 * returns how the round ends instead of throwing: failed when the failure is the team's, void when
 * it is ours (docs/game.md, "Void rounds"). Local, `aws` and remote teams alike (the channel is
 * what differs); shared by the scheduler, the CLI and the Lambda handler. Times are the organiser's
 * clock (`Date.now()`), the clock a remote team's reports are received on.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { timeoutSignal } from '@/lib/async';
import { diagnose } from '@/lib/domain/diagnosis';
import { AGGREGATION_KEYS, type CentsByKey, MESSAGE_COUNT_KEY } from '@/lib/domain/hierarchy';
import { centsToDecimal } from '@/lib/domain/money';
import { type ChangeVerdict, judgeChange, type TableValues } from '@/lib/domain/verdict';
import { AgentOfflineError, roleAssumptionIn, TableReadError } from '@/lib/errors';
import type { Diagnosis, FailurePercentages, Lab, Round, RoundCounts } from '@/lib/store/types';
import { type GeneratedRound, makeRound, type RoundPlan, type RoundTotals } from './messages';
import { SendError, type SendReport, sendDeadlineMs } from './sender';
import { type Delivered, type Prepared, sdkChannel, sendFromHere, TABLE_CALL_TIMEOUT_MS, type TeamChannel, type TeamTarget } from './team-channel';

export { type TeamChannel, type TeamTarget, writeFailurePercentages } from './team-channel';

export const POLL_INTERVAL_MS = 500;
/**
 * While the AggregateTable still holds its baseline after the burst, the pause between polls
 * doubles up to this. A working pipeline has changed the table by the time its burst was sent (it
 * processes while the records arrive), so it is polled every `POLL_INTERVAL_MS` from the first read;
 * a pipeline that has done nothing is read about 17 times in 30 s instead of 60 (issue 13 point 8:
 * 100 teams' polls were ~6,000 table reads a minute). What it costs: a table whose first change
 * comes after the burst is seen up to this much later.
 */
export const UNCHANGED_POLL_CAP_MS = 2000;
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

export interface RoundSettings {
  seed: number;
  lab: Lab;
  /** Records to send, duplicates included. */
  messages: number;
  /** Seconds after the burst was sent. */
  deadlineSeconds: number;
  /** Written to the team's ParameterTable before the round; the ParameterTable is left alone when absent. */
  failurePercentages?: FailurePercentages;
  /**
   * The burst begins no earlier than this (ms since the epoch): a timed round whose team is prepared
   * (failure percentages, baseline) just ahead of its scheduled start, sent at that start.
   */
  sendAt?: number;
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
  /** From the start of sending to the first read that matched (a confirmed match); null when it never matched. */
  timeToCorrectMs: number | null;
  diagnosis: Diagnosis | null;
  voidReason?: string;
  send?: SendReport;
}

/** The 18 keys and message_count of a table read, as the round record keeps them. */
export function recordedValues(values: TableValues): Record<string, string> {
  return Object.fromEntries([...AGGREGATION_KEYS, MESSAGE_COUNT_KEY].filter((key) => values.has(key)).map((key) => [key, values.get(key)!]));
}

/** Expected change as decimal strings with 2 decimals (all 18 keys). */
export function expectedDecimals(expected: Readonly<CentsByKey>): Record<string, string> {
  return Object.fromEntries(AGGREGATION_KEYS.map((key) => [key, centsToDecimal(expected[key] ?? 0)]));
}

function sameValues(a: TableValues, b: TableValues): boolean {
  if (a.size !== b.size) return false;
  for (const [key, value] of a) if (b.get(key) !== value) return false;
  return true;
}

/** Why a step could not be done, and whose side that is: the team's fails the round, ours voids it. */
interface Failure {
  side: 'team' | 'ours';
  kind: string;
  message: string;
}

/**
 * Whose side a channel's failure is on: a missing table or stream, refused access inside the
 * team's account and a remote team's machine not connected are the team's; a role the organiser's
 * credentials cannot assume, an unreachable or throttled table and records never acknowledged are
 * ours. Anything else is a bug: rethrown.
 */
function failureOf(error: unknown): Failure {
  const role = roleAssumptionIn(error);
  if (role) return { side: 'ours', kind: 'role-assumption', message: role.message };
  if (error instanceof AgentOfflineError) return { side: 'team', kind: 'offline', message: error.message };
  if (!(error instanceof TableReadError || error instanceof SendError)) throw error;
  const kind = error.kind === 'missing-stream' ? 'missing-table' : error.kind;
  return { side: kind === 'missing-table' || kind === 'access-denied' ? 'team' : 'ours', kind, message: error.message };
}

/** What a round has when it starts: its messages (or only their totals), and the channel and signal every step uses. */
interface RoundRun<R extends RoundTotals = RoundTotals> {
  channel: TeamChannel<R>;
  settings: RoundSettings;
  hooks: RoundHooks;
  signal: AbortSignal;
  generated: R;
}

/** The fields an outcome gets from the steps that ran (the rest come from the round itself). */
type EndFields = Omit<RoundOutcome, 'seed' | 'lab' | 'counts' | 'expected' | 'endedAt' | 'timeToCorrectMs' | 'diagnosis'> &
  Partial<Pick<RoundOutcome, 'timeToCorrectMs' | 'diagnosis'>>;

function ended(run: RoundRun, fields: EndFields): RoundOutcome {
  const { seed, lab, counts, expected } = run.generated;
  return { seed, lab, counts, expected, timeToCorrectMs: null, diagnosis: null, ...fields, endedAt: new Date().toISOString() };
}

function stopped(run: RoundRun, fields: Partial<EndFields> = {}): RoundOutcome {
  const reason = run.signal.reason;
  return ended(run, { ...fields, status: 'void', voidReason: typeof reason === 'string' ? reason : 'the round was stopped before it ended' });
}

/** How a round ends on a failure: stopped, void (ours) or failed with the read failure's diagnosis (the team's). */
function endedBy(run: RoundRun, error: unknown, fields: Partial<EndFields> = {}): RoundOutcome {
  if (run.signal.aborted) return stopped(run, fields);
  const failure = failureOf(error);
  if (failure.side === 'ours') return ended(run, { ...fields, status: 'void', voidReason: failure.message });
  const { lab } = run.settings;
  const { expected, facts } = run.generated;
  return ended(run, {
    ...fields,
    status: 'failed',
    diagnosis: diagnose({ lab, expected, readFailure: { kind: failure.kind, message: failure.message }, stillChanging: false, facts }),
  });
}

/** A step's result: its value, or how the round ended. */
type Step<T> = { ok: true; value: T } | { ok: false; outcome: RoundOutcome };

/** Step 1: the lab's failure percentages into the ParameterTable, then the AggregateTable's baseline. */
async function prepare(run: RoundRun): Promise<Step<Prepared>> {
  if (run.signal.aborted) return { ok: false, outcome: stopped(run) };
  try {
    const prepared = await run.channel.prepare(run.settings.failurePercentages, run.signal);
    const { counts, expected } = run.generated;
    run.hooks.onProgress?.({ counts, baseline: recordedValues(prepared.baseline), expected: expectedDecimals(expected) });
    return { ok: true, value: prepared };
  } catch (error) {
    return { ok: false, outcome: endedBy(run, error) };
  }
}

interface Sent {
  send?: SendReport;
  /** When sending started (ms since the epoch). */
  sendStarted: number;
  sendStartedAt: string;
  sentAt: string;
  deadlineAt: string;
  /** The deadline (ms since the epoch). */
  deadlineMs: number;
}

/** Step 2: the burst, all of it acknowledged; the deadline runs from then. */
async function send<R extends RoundTotals>(run: RoundRun<R>, prepared: Prepared): Promise<Step<Sent>> {
  const { baseline } = prepared;
  if (run.signal.aborted) return { ok: false, outcome: stopped(run, { baseline }) };
  const sendStarted = prepared.sendingSince ?? Math.max(Date.now(), run.settings.sendAt ?? 0);
  const sendStartedAt = new Date(sendStarted).toISOString();
  run.hooks.onProgress?.({ sendStartedAt });
  let delivered: Delivered;
  try {
    delivered = await run.channel.send(run.generated, {
      maxAttempts: run.settings.maxSendAttempts,
      deadlineMs: sendDeadlineMs(run.settings.deadlineSeconds, run.generated.counts.messages),
      startAt: run.settings.sendAt,
      onProgress: run.hooks.onSendProgress,
      signal: run.signal,
    });
  } catch (error) {
    return { ok: false, outcome: endedBy(run, error, { baseline, sendStartedAt }) };
  }
  const deadlineMs = delivered.sentAt + run.settings.deadlineSeconds * 1000;
  const sent: Sent = {
    send: delivered.report,
    sendStarted,
    sendStartedAt,
    sentAt: new Date(delivered.sentAt).toISOString(),
    deadlineAt: new Date(deadlineMs).toISOString(),
    deadlineMs,
  };
  run.hooks.onProgress?.({ sentAt: sent.sentAt, deadlineAt: sent.deadlineAt });
  return { ok: true, value: sent };
}

interface Waited {
  verdict?: ChangeVerdict;
  /** The last successful read. */
  after?: TableValues;
  /** The last read's failure, when the last read failed. */
  error?: unknown;
  /** Set once a match was confirmed. */
  timeToCorrectMs: number | null;
  stillChanging: boolean;
}

/**
 * Step 3: polls the AggregateTable until the change matches (and keeps matching) or the deadline
 * passes. A read due by the deadline, or showing values the table held by then, may begin a match
 * that is confirmed after it; time-to-correct counts to when the table first held the match.
 */
async function awaitPipeline(run: RoundRun, baseline: TableValues, sent: Sent): Promise<Step<Waited>> {
  const { deadlineMs, sendStarted } = sent;
  const pollIntervalMs = run.settings.pollIntervalMs ?? POLL_INTERVAL_MS;
  const changingWindowMs = stillChangingWindowMs(run.settings.deadlineSeconds);
  const times = { baseline, sendStartedAt: sent.sendStartedAt, sentAt: sent.sentAt, deadlineAt: sent.deadlineAt, send: sent.send };
  let previous = baseline;
  let lastChangeAt = -Infinity;
  /** Reads in a row that found the table still as its baseline. */
  let unchangedReads = 0;
  /** When the current run of matching reads began (null while the change does not match), and whether by the deadline. */
  let match: { since: number; byDeadline: boolean } | null = null;
  let due = Date.now();
  const result: Waited = { timeToCorrectMs: null, stillChanging: false };
  for (;;) {
    if (run.signal.aborted) return { ok: false, outcome: stopped(run, { ...times, after: result.after, verdict: result.verdict }) };
    const pollStarted = Date.now();
    const readTimeoutMs = Math.min(TABLE_CALL_TIMEOUT_MS, Math.max(1000, deadlineMs - pollStarted));
    try {
      const read = await run.channel.read(timeoutSignal(readTimeoutMs, run.signal));
      const readAt = Date.now();
      if (!sameValues(previous, read.values)) lastChangeAt = read.since;
      else if (lastChangeAt === -Infinity) unchangedReads += 1;
      previous = read.values;
      result.after = read.values;
      result.error = undefined;
      result.verdict = judgeChange(baseline, read.values, run.generated.expected);
      run.hooks.onPoll?.(result.verdict, read.since - sendStarted);
      match = result.verdict.passed ? (match ?? { since: read.since, byDeadline: Math.min(due, read.since) <= deadlineMs }) : null;
      if (match?.byDeadline && readAt - match.since >= MATCH_CONFIRMATION_MS) {
        result.timeToCorrectMs = Math.round(match.since - sendStarted);
        return { ok: true, value: result };
      }
    } catch (error) {
      result.error = error;
      match = null;
    }
    const now = Date.now();
    const confirming = match?.byDeadline === true;
    if (now >= deadlineMs && !confirming) {
      result.stillChanging = lastChangeAt >= deadlineMs - changingWindowMs;
      return { ok: true, value: result };
    }
    const intervalMs =
      lastChangeAt === -Infinity ? Math.max(pollIntervalMs, Math.min(UNCHANGED_POLL_CAP_MS, pollIntervalMs * 2 ** unchangedReads)) : pollIntervalMs;
    const pause = Math.max(0, confirming ? intervalMs - (now - pollStarted) : Math.min(deadlineMs - now, intervalMs - (now - pollStarted)));
    due = now + pause;
    await sleep(pause, undefined, { signal: run.signal }).catch(() => undefined);
  }
}

/** Step 4: passed (a confirmed match), or failed with a diagnosis of the change (or of the last read's failure), or void when the table was ours to miss. */
function judge(run: RoundRun, baseline: TableValues, sent: Sent, waited: Waited): RoundOutcome {
  const times = { baseline, sendStartedAt: sent.sendStartedAt, sentAt: sent.sentAt, deadlineAt: sent.deadlineAt, send: sent.send };
  const { after, verdict } = waited;
  if (waited.timeToCorrectMs !== null) return ended(run, { status: 'passed', after, verdict, timeToCorrectMs: waited.timeToCorrectMs, ...times });
  if (waited.error !== undefined && (failureOf(waited.error).side === 'team' || !after)) return endedBy(run, waited.error, times);
  const { lab } = run.settings;
  const { expected, facts } = run.generated;
  return ended(run, {
    status: 'failed',
    after,
    verdict,
    diagnosis: diagnose({ lab, expected, baseline, after, stillChanging: waited.stillChanging, facts }),
    ...times,
  });
}

/** Runs one round against one local or AWS team and returns its outcome; never throws for the team's faults. */
export function runRound(target: TeamTarget, settings: RoundSettings, hooks: RoundHooks = {}): Promise<RoundOutcome> {
  return runRoundOver(sdkChannel(target, sendFromHere), settings, hooks, async (plan) => makeRound(plan));
}

/**
 * Makes what a round's channel needs of its messages: all of them (`makeRound`), their totals with
 * the records kept on the burst worker that will send them (./burst-workers.ts, where many teams'
 * rounds are made and sent at once), or only their totals.
 */
export type RoundGenerator<R extends RoundTotals = GeneratedRound> = (plan: Omit<RoundPlan, 'now'>) => Promise<R>;

/**
 * Runs one round over a team channel: prepare (which begins with the messages, made by `generate`),
 * send, await the pipeline, judge (with the diagnosis).
 */
export async function runRoundOver<R extends RoundTotals>(
  channel: TeamChannel<R>,
  settings: RoundSettings,
  hooks: RoundHooks,
  generate: RoundGenerator<R>,
): Promise<RoundOutcome> {
  const generated = await generate({ seed: settings.seed, lab: settings.lab, messages: settings.messages });
  const run: RoundRun<R> = { channel, settings, hooks, signal: hooks.signal ?? new AbortController().signal, generated };
  const prepared = await prepare(run);
  if (!prepared.ok) return prepared.outcome;
  const { baseline } = prepared.value;
  const sent = await send(run, prepared.value);
  if (!sent.ok) return sent.outcome;
  const waited = await awaitPipeline(run, baseline, sent.value);
  if (!waited.ok) return waited.outcome;
  return judge(run, baseline, sent.value, waited.value);
}
