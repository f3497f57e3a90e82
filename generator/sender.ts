/**
 * Sending a round's records into a team's Kinesis stream: PutRecords calls of at most 500 records,
 * one lane of calls per shard (records keep their send order within a shard), lanes concurrent,
 * rejected records retried with backoff until acknowledged or their attempts run out
 * (docs/game.md, "A round", step 4). Every call is cancelled at the round's signal and after
 * `CALL_TIMEOUT_MS`; a call that timed out counts as a failed attempt of its records. The burst as
 * a whole may have a deadline (a round's: `sendDeadlineMs`), past which sending stops with the
 * records left not acknowledged: a stream that never answers ends the round then, not after every
 * attempt of a batch timed out. A burst may be given its start time (a timed round prepared ahead):
 * its shards are listed at once and its first call waits for that time. A role the organiser cannot assume ends the burst at once
 * (`role-assumption`, the organiser's problem). The calls of every burst this process sends take
 * turns (`CallTurns`).
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type KinesisClient, ListShardsCommand, PutRecordsCommand, type Shard } from '@aws-sdk/client-kinesis';
import { timeoutSignal } from '@/lib/async';
import { type Connection, kinesisClient } from '@/lib/aws/clients';
import { errorMessage, RoleAssumptionError } from '@/lib/errors';
import type { StreamRecord } from './messages';

/** PutRecords takes at most 500 records. */
export const MAX_RECORDS_PER_CALL = 500;
/** Attempts per record before the round is given up (void). */
export const DEFAULT_MAX_ATTEMPTS = 10;
/** Lanes used when the stream's shards cannot be listed. */
const LANES_WITHOUT_SHARD_MAP = 4;
const BACKOFF_BASE_MS = 100;
const BACKOFF_CAP_MS = 2000;
/** One PutRecords or ListShards call is cancelled after this long (a stream that never answers). */
export const CALL_TIMEOUT_MS = 10_000;

export type SendFailureKind = 'missing-stream' | 'access-denied' | 'not-acknowledged' | 'role-assumption' | 'aborted';

/** Why a round's records could not all be put on the stream. */
export class SendError extends Error {
  constructor(
    readonly kind: SendFailureKind,
    message: string,
    readonly acknowledged: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * How long a round's burst may take to be acknowledged as a whole: the round's deadline (what its
 * pipeline gets afterwards), at least 30 s, and at least a second per 1,000 records (what a single
 * shard takes in a second on AWS).
 */
export function sendDeadlineMs(deadlineSeconds: number, records: number): number {
  return Math.max(deadlineSeconds, 30, Math.ceil(records / 1000)) * 1000;
}

export interface SendOptions {
  maxAttempts?: number;
  /** The whole burst must be acknowledged within this long from its first call (none by default). */
  deadlineMs?: number;
  /**
   * No call is made before this time (ms since the epoch): a timed round prepared ahead of its
   * scheduled start. The stream's shards are listed before it, so the first call goes out on time.
   */
  startAt?: number;
  /** Called after every call with the number of records acknowledged so far. */
  onProgress?: (acknowledged: number, total: number) => void;
  signal?: AbortSignal;
}

export interface SendReport {
  records: number;
  calls: number;
  /** Record attempts that had to be repeated (rejected records and failed calls). */
  retries: number;
  lanes: number;
  durationMs: number;
}

const MISSING = new Set(['ResourceNotFoundException']);
const DENIED = new Set([
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'AccessDenied',
  'KMSAccessDeniedException',
]);
const FATAL = new Set(['ValidationException', 'InvalidArgumentException', 'SerializationException']);

function errorName(error: unknown): string {
  return (error as { name?: string })?.name ?? '';
}

/** Turns a call's exception into a SendError when retrying cannot help; null when it may. */
function fatalSendError(error: unknown, streamName: string, acknowledged: number): SendError | null {
  if (error instanceof RoleAssumptionError) return new SendError('role-assumption', error.message, acknowledged, { cause: error });
  const name = errorName(error);
  if (MISSING.has(name)) return new SendError('missing-stream', `stream ${streamName} not found`, acknowledged, { cause: error });
  if (DENIED.has(name))
    return new SendError('access-denied', `putting records on stream ${streamName} was denied: ${errorMessage(error)}`, acknowledged, { cause: error });
  if (FATAL.has(name)) return new SendError('not-acknowledged', `the stream refused the records: ${errorMessage(error)}`, acknowledged, { cause: error });
  return null;
}

interface ShardRange {
  start: bigint;
  end: bigint;
}

/** The signal for one call: the round's, ended after CALL_TIMEOUT_MS. */
function callSignal(signal: AbortSignal | undefined): AbortSignal {
  return timeoutSignal(CALL_TIMEOUT_MS, signal);
}

async function openShards(client: KinesisClient, streamName: string, signal: AbortSignal | undefined): Promise<ShardRange[]> {
  const shards: Shard[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: streamName }), {
      abortSignal: callSignal(signal),
    });
    shards.push(...(page.Shards ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return shards
    .filter((shard) => !shard.SequenceNumberRange?.EndingSequenceNumber)
    .map((shard) => ({ start: BigInt(shard.HashKeyRange!.StartingHashKey!), end: BigInt(shard.HashKeyRange!.EndingHashKey!) }))
    .sort((a, b) => (a.start < b.start ? -1 : 1));
}

/** Which shard Kinesis puts a partition key on: the MD5 of the key as a 128-bit integer in a shard's hash range. */
export function shardIndexOf(partitionKey: string, shards: readonly ShardRange[]): number {
  const hash = BigInt(`0x${createHash('md5').update(partitionKey, 'utf8').digest('hex')}`);
  let low = 0;
  let high = shards.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1; // low < middle <= high: an index of shards
    if (shards[middle]!.start <= hash) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** Splits record indices into lanes: one per shard, or round-robin chunks when shards are unknown. */
async function lanesOf(client: KinesisClient, streamName: string, records: readonly StreamRecord[], signal: AbortSignal | undefined): Promise<number[][]> {
  let shards: ShardRange[] | null = null;
  try {
    shards = await openShards(client, streamName, signal);
  } catch (error) {
    const fatal = fatalSendError(error, streamName, 0);
    if (fatal?.kind === 'missing-stream' || fatal?.kind === 'role-assumption') throw fatal;
    if (signal?.aborted) throw new SendError('aborted', 'sending was stopped', 0);
  }
  if (shards && shards.length > 0) {
    const lanes: number[][] = shards.map(() => []);
    records.forEach((record, index) => {
      lanes[shardIndexOf(record.PartitionKey, shards)]!.push(index); // an index into shards, as lanes
    });
    return lanes.filter((lane) => lane.length > 0);
  }
  const lanes: number[][] = Array.from({ length: LANES_WITHOUT_SHARD_MAP }, () => []);
  for (let start = 0; start < records.length; start += MAX_RECORDS_PER_CALL) {
    const lane = lanes[(start / MAX_RECORDS_PER_CALL) % LANES_WITHOUT_SHARD_MAP]!;
    for (let index = start; index < Math.min(records.length, start + MAX_RECORDS_PER_CALL); index++) lane.push(index);
  }
  return lanes.filter((lane) => lane.length > 0);
}

/**
 * How long a burst's later calls wait at most for the first calls in flight to be answered (see
 * `CallTurns`): one stream that never answers holds the others' later calls back this long at most.
 */
export const FIRST_CALLS_HOLD_MS = 500;

/**
 * PutRecords calls take turns across every burst this process sends (issue 13 points 2 and 8): one
 * call is made per turn of the event loop, a burst's first call before any burst's later calls, and
 * later calls wait while first calls are unanswered (at most `FIRST_CALLS_HOLD_MS` after the last
 * first call was made). Making a call of 500 records (serialising, signing) takes milliseconds of
 * CPU, and a scheduler starting 100 teams' bursts at once made them back to back: the event loop did
 * not turn for seconds, so table reads timed out, the lease lapsed, and the last teams began 26 s
 * late (bench figure 7). Taking turns, every team's first records go out first and timers run
 * between calls; holding the later calls, the first ones do not share the machine with the rest of
 * 50 teams' bursts (200 calls of 500 records) before they are received.
 */
export class CallTurns {
  private readonly waiting: Array<{ first: boolean; go: (answered: () => void) => void }> = [];
  private turnTaken = false;
  /** First calls made and not answered yet. */
  private firstsUnanswered = 0;
  /** Later calls wait for the first ones until then (performance.now()). */
  private holdUntil = 0;
  private holdTimer: NodeJS.Timeout | null = null;

  /**
   * Resolves when it is this call's turn, with what to call once the call is answered (or failed);
   * the turn ends at the next turn of the event loop (after the call was made: its serialising runs
   * in microtasks).
   */
  take(first: boolean): Promise<() => void> {
    return new Promise((go) => {
      this.waiting.push({ first, go });
      this.next();
    });
  }

  private next(): void {
    if (this.turnTaken || this.waiting.length === 0) return;
    const firstCall = this.waiting.findIndex((call) => call.first);
    const holding = this.firstsUnanswered > 0 && performance.now() < this.holdUntil;
    if (firstCall === -1 && holding) {
      this.holdTimer ??= setTimeout(() => {
        this.holdTimer = null;
        this.next();
      }, this.holdUntil - performance.now());
      return;
    }
    const [call] = this.waiting.splice(firstCall === -1 ? 0 : firstCall, 1);
    this.turnTaken = true;
    if (call!.first) {
      // waiting was not empty
      this.firstsUnanswered += 1;
      this.holdUntil = performance.now() + FIRST_CALLS_HOLD_MS;
      let answered = false;
      call!.go(() => {
        if (answered) return;
        answered = true;
        this.firstsUnanswered -= 1;
        this.next();
      });
    } else call!.go(() => undefined);
    setImmediate(() => {
      this.turnTaken = false;
      this.next();
    });
  }
}

const turns = new CallTurns();

function backoff(attempt: number): Promise<void> {
  const delay = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1)) * (0.5 + Math.random() / 2);
  return sleep(delay);
}

/** Puts every record on the stream with this process's client for `connection`; throws SendError when some could not be acknowledged. */
export function sendRecords(connection: Connection, streamName: string, records: readonly StreamRecord[], options: SendOptions = {}): Promise<SendReport> {
  return sendRecordsWith(kinesisClient(connection), streamName, records, options);
}

/** Puts every record on the stream with `client` (a burst worker's, ./burst-worker.ts); throws SendError when some could not be acknowledged. */
export async function sendRecordsWith(
  client: KinesisClient,
  streamName: string,
  records: readonly StreamRecord[],
  options: SendOptions = {},
): Promise<SendReport> {
  const waitMs = Math.max(0, (options.startAt ?? 0) - Date.now());
  const started = performance.now() + waitMs;
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const attempts = new Uint16Array(records.length);
  const report: SendReport = { records: records.length, calls: 0, retries: 0, lanes: 0, durationMs: 0 };
  const deadline = options.deadlineMs === undefined ? undefined : timeoutSignal(waitMs + options.deadlineMs);
  const signal = deadline && options.signal ? AbortSignal.any([options.signal, deadline]) : (deadline ?? options.signal);
  let acknowledged = 0;
  let failure: SendError | null = null;
  let firstCallTaken = false;

  /** Why sending must stop now, if it must: the round's signal, or the burst's deadline. */
  const stopError = (): SendError | null => {
    if (options.signal?.aborted) return new SendError('aborted', 'sending was stopped', acknowledged);
    if (deadline?.aborted) {
      const seconds = (options.deadlineMs ?? 0) / 1000;
      return new SendError(
        'not-acknowledged',
        `${records.length - acknowledged} of ${records.length} records were not acknowledged by stream ${streamName} within the burst's deadline of ${seconds} s`,
        acknowledged,
      );
    }
    return null;
  };
  const checkStop = () => {
    failure ??= stopError();
    if (failure) throw failure;
  };

  const runLane = async (lane: number[]) => {
    const pending = [...lane];
    while (pending.length > 0) {
      checkStop();
      const first = !firstCallTaken;
      firstCallTaken = true;
      const answered = await turns.take(first);
      const batch = pending.splice(0, MAX_RECORDS_PER_CALL);
      const rejected: number[] = [];
      try {
        checkStop();
        report.calls += 1;
        const result = await client.send(
          new PutRecordsCommand({
            StreamName: streamName,
            Records: batch.map((index) => {
              const record = records[index]!; // lanes hold indices into records
              return { Data: Buffer.from(record.Data, 'utf8'), PartitionKey: record.PartitionKey };
            }),
          }),
          { abortSignal: callSignal(signal) },
        );
        answered();
        const entries = result.Records ?? [];
        batch.forEach((index, position) => {
          const entry = entries[position];
          if (entry?.ErrorCode) rejected.push(index);
          else if (entry) acknowledged += 1;
        });
      } catch (error) {
        answered();
        const fatal = fatalSendError(error, streamName, acknowledged);
        if (fatal) {
          failure ??= fatal;
          throw failure;
        }
        checkStop();
        rejected.push(...batch);
      }
      options.onProgress?.(acknowledged, records.length);
      if (rejected.length === 0) continue;
      let worstAttempt = 0;
      for (const index of rejected) {
        const attempt = (attempts[index] ?? 0) + 1;
        attempts[index] = attempt;
        worstAttempt = Math.max(worstAttempt, attempt);
      }
      if (worstAttempt >= maxAttempts) {
        failure ??= new SendError(
          'not-acknowledged',
          `${records.length - acknowledged} of ${records.length} records were not acknowledged by stream ${streamName} after ${maxAttempts} attempts`,
          acknowledged,
        );
        throw failure;
      }
      report.retries += rejected.length;
      pending.unshift(...rejected);
      await backoff(worstAttempt);
    }
  };

  checkStop();
  let lanes: number[][];
  try {
    lanes = await lanesOf(client, streamName, records, signal);
    const untilStart = started - performance.now();
    if (untilStart > 0) await sleep(untilStart, undefined, { signal });
  } catch (error) {
    throw stopError() ?? error;
  }
  report.lanes = lanes.length;
  const outcomes = await Promise.allSettled(lanes.map(runLane));
  const rejection = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (rejection) throw failure ?? rejection.reason;
  report.durationMs = performance.now() - started;
  return report;
}
