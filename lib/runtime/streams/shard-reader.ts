/**
 * Reads one shard for one trigger the way Lambda's event source mapping does: in order, one batch
 * at a time (batch size, batching window, 6 MB cap), retrying the identical batch until it succeeds
 * (or its retry attempts run out), and advancing the checkpoint only then.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage } from '@/lib/errors';
import type { FunctionRuntime } from '../execution/function-runtime';
import type { NewLogEntry } from '../logs/log-buffer';
import type { TriggerConfig } from '../wiring';
import { EVENT_ENVELOPE_BYTES, MAX_PAYLOAD_BYTES } from './lambda-events';
import { readProblem, type ShardPosition, type SourceRecord, type StreamSource } from './stream-sources';

/**
 * How often a shard without new records is polled: soon after records arrived, then less often
 * (Lambda polls Kinesis 1/s and DynamoDB Streams 4/s; faster here so rounds finish sooner).
 */
export const ACTIVE_POLL_MS = 100;
export const IDLE_POLL_MS = 250;
const ACTIVE_EMPTY_READS = 5;
const MAX_READ_BACKOFF_MS = 5_000;
const MAX_RETRY_DELAY_MS = 1_000;

/** starting: not yet positioned in the shard (a LATEST trigger skips what arrives before that). */
export type ShardState = 'starting' | 'reading' | 'invoking' | 'retrying' | 'finished' | 'stopped';

export interface ShardStatus {
  shardId: string;
  state: ShardState;
  /** Sequence number of the last record of the last batch that succeeded. */
  checkpoint?: string;
  /** Records read but not yet delivered successfully (including the batch in flight). */
  pending: number;
  /** Attempts at the current batch so far (0 when none is in flight). */
  attempt: number;
}

export interface ShardReaderOptions {
  shardId: string;
  source: StreamSource;
  fn: FunctionRuntime;
  /** The trigger's current settings (they can change while the reader runs). */
  settings: () => TriggerConfig;
  start: ShardPosition;
  log: (entry: Omit<NewLogEntry, 'function'>) => void;
  /** The stream seems gone (deleted or recreated): the trigger should look again. */
  onStreamGone: () => void;
  /** False if the stream was recreated since the trigger last looked (then the trigger starts over). */
  verifyStream: () => Promise<boolean>;
}

/** Sleeps `ms`, or less if `signal` aborts (never rejects). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return sleep(ms, undefined, { signal }).catch(() => undefined);
}

/** The longest prefix of `records` that fits the batch size and the invoke payload limit (at least one). */
export function batchLength(records: readonly SourceRecord[], batchSize: number): number {
  let bytes = EVENT_ENVELOPE_BYTES;
  let count = 0;
  for (const record of records) {
    if (count >= batchSize) break;
    bytes += record.bytes;
    if (bytes > MAX_PAYLOAD_BYTES && count > 0) break;
    count++;
  }
  return count;
}

export class ShardReader {
  state: ShardState = 'starting';
  checkpoint?: string;
  attempt = 0;
  readonly done: Promise<void>;
  /** Settles once the reader has tried to position itself in the shard (or stopped). */
  readonly positioned: Promise<void>;
  private markPositioned!: () => void;
  private readonly buffer: SourceRecord[] = [];
  private inFlight = 0;
  private iterator: string | null | undefined;
  private position: ShardPosition;
  private exhausted = false;
  private readFailures = 0;
  /** Reads in a row that returned nothing. */
  private emptyReads = 0;
  /**
   * Records arrived after a quiet time (a new round, maybe into a recreated stream): check the
   * stream is still the same one before delivering them.
   */
  private verifyBeforeDelivery = false;
  private readonly controller = new AbortController();

  constructor(private readonly options: ShardReaderOptions) {
    this.position = options.start;
    this.positioned = new Promise((resolve) => (this.markPositioned = resolve));
    this.done = this.run().finally(() => this.markPositioned());
  }

  get shardId(): string {
    return this.options.shardId;
  }

  status(): ShardStatus {
    return { shardId: this.shardId, state: this.state, checkpoint: this.checkpoint, pending: this.buffer.length + this.inFlight, attempt: this.attempt };
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.done;
  }

  private get stopped(): boolean {
    return this.controller.signal.aborted;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      await this.fill();
      if (this.stopped) break;
      if (this.buffer.length === 0) {
        if (this.exhausted) {
          this.state = 'finished';
          return;
        }
        continue;
      }
      if (this.verifyBeforeDelivery) {
        this.verifyBeforeDelivery = false;
        if (!(await this.options.verifyStream())) {
          await new Promise((resolve) => this.controller.signal.addEventListener('abort', resolve, { once: true }));
          break;
        }
      }
      const batch = this.buffer.splice(0, batchLength(this.buffer, this.options.settings().batchSize));
      this.inFlight = batch.length;
      const delivered = await this.deliver(batch);
      this.inFlight = 0;
      if (!delivered) break;
      this.checkpoint = batch.at(-1)?.sequenceNumber ?? this.checkpoint;
    }
    this.state = 'stopped';
  }

  /**
   * Reads until a batch is due: the batch size is reached, or the batching window (from when the first
   * buffered record was read) has passed; with no window, whatever one read returned is due.
   */
  private async fill(): Promise<void> {
    if (this.state !== 'starting') this.state = 'reading';
    while (!this.stopped) {
      const { batchSize, maximumBatchingWindowInSeconds } = this.options.settings();
      if (this.buffer.length >= batchSize) return;
      const read = this.exhausted ? 0 : await this.readOnce();
      if (this.buffer.length >= batchSize) return;
      const caughtUp = read < this.options.source.readLimit;
      const pollDelay = this.emptyReads < ACTIVE_EMPTY_READS ? ACTIVE_POLL_MS : IDLE_POLL_MS;
      const oldest = this.buffer[0];
      if (oldest) {
        const due = oldest.readAt + maximumBatchingWindowInSeconds * 1000 - Date.now();
        if (due <= 0 || this.exhausted) return;
        if (caughtUp) await pause(Math.min(pollDelay, due), this.controller.signal);
      } else {
        if (this.exhausted) return;
        if (caughtUp) await pause(pollDelay, this.controller.signal);
      }
    }
  }

  /** One GetRecords call (getting an iterator first if needed); returns how many records arrived. */
  private async readOnce(): Promise<number> {
    const { source, shardId } = this.options;
    try {
      if (this.iterator === undefined) {
        try {
          this.iterator = await source.shardIterator(shardId, this.position);
        } finally {
          this.markPositioned();
        }
        if (this.state === 'starting') this.state = 'reading';
      }
      if (this.iterator === null) {
        this.exhausted = true;
        return 0;
      }
      const page = await source.read(shardId, this.iterator);
      if (this.stopped) return 0;
      this.iterator = page.nextIterator;
      if (page.nextIterator === null) this.exhausted = true;
      if (page.records.length > 0 && this.emptyReads >= ACTIVE_EMPTY_READS) this.verifyBeforeDelivery = true;
      this.emptyReads = page.records.length > 0 ? 0 : this.emptyReads + 1;
      const last = page.records.at(-1);
      if (last) {
        this.buffer.push(...page.records);
        this.position = { kind: 'after', sequenceNumber: last.sequenceNumber };
      }
      if (this.readFailures > 0) this.options.log({ kind: 'system', level: 'info', message: `reading ${shardId} of the ${source.label} again` });
      this.readFailures = 0;
      return page.records.length;
    } catch (error) {
      this.iterator = undefined;
      const problem = readProblem(error);
      if (problem === 'expired-iterator') return 0;
      if (problem === 'trimmed') {
        // Nothing read yet: DynamoDB Local's iterators taken on an empty shard fail like this once
        // records arrive (aws/aws-sdk-java #2923); everything in the shard then arrived after them.
        if (this.position.kind === 'after') {
          this.options.log({
            kind: 'system',
            level: 'warn',
            message: `${shardId} of the ${source.label}: records past the checkpoint were trimmed; reading from the trim horizon`,
          });
        }
        this.position = { kind: 'trim-horizon' };
        return 0;
      }
      if (problem === 'not-found') this.options.onStreamGone();
      if (this.readFailures === 0) {
        this.options.log({ kind: 'system', level: 'warn', message: `cannot read ${shardId} of the ${source.label} (retrying): ${errorMessage(error)}` });
      }
      this.readFailures++;
      await pause(Math.min(MAX_READ_BACKOFF_MS, 100 * 2 ** this.readFailures), this.controller.signal);
      return 0;
    }
  }

  /** Invokes with the same batch until it succeeds (or its retries run out); false if stopped first. */
  private async deliver(batch: SourceRecord[]): Promise<boolean> {
    const event = { Records: batch.map((item) => item.record) };
    let attempt = 1;
    for (;;) {
      this.attempt = attempt;
      this.state = 'invoking';
      let result;
      try {
        result = await this.options.fn.invoke({ event, records: batch.length, shardId: this.shardId, attempt }, this.controller.signal);
      } catch (error) {
        this.options.log({
          kind: 'system',
          level: 'error',
          message: `${this.shardId}: could not invoke (the batch waits and is tried again): ${errorMessage(error)}`,
        });
        await pause(MAX_RETRY_DELAY_MS, this.controller.signal);
        if (this.stopped) return false;
        continue;
      }
      if (!result || this.stopped) return false;
      if (result.outcome === 'success') break;
      const { maximumRetryAttempts } = this.options.settings();
      if (maximumRetryAttempts >= 0 && attempt > maximumRetryAttempts) {
        this.options.log({
          kind: 'system',
          level: 'warn',
          message: `${this.shardId}: retry attempts exhausted after ${attempt} attempts; ${batch.length} records skipped (${batch[0]?.sequenceNumber} to ${batch.at(-1)?.sequenceNumber})`,
        });
        break;
      }
      this.state = 'retrying';
      await pause(Math.min(MAX_RETRY_DELAY_MS, 100 * 2 ** (attempt - 1)), this.controller.signal);
      if (this.stopped) return false;
      attempt++;
    }
    this.attempt = 0;
    return true;
  }
}
