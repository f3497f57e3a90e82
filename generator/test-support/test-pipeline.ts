/**
 * A small aggregation pipeline for the generator's tests: reads a team's Kinesis stream with the
 * real SDK (every shard in parallel, batches of 100), keeps the newest version of each trade and
 * adds the changes to the AggregateTable with exact decimal strings. Variants really have the
 * bugs the diagnosis names: dropping records, adding a batch twice (early in the round, or its last
 * batch again just after the totals were exact), letting the last-arriving version win, being too
 * slow, writing leaf keys in the wrong order.
 */
import { TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { dynamoDbClient, kinesisClient } from '@/lib/aws/clients';
import { MESSAGE_COUNT_KEY } from '@/lib/domain/hierarchy';
import { parseMessage, type RiskMessage } from '@/lib/domain/message';
import { centsToDecimal, toCents } from '@/lib/domain/money';
import type { TeamTarget } from '../round';

export type PipelineBug =
  /** A correct, exactly-once pipeline. */
  | 'none'
  /** Loses every 10th record it reads. */
  | 'drop-records'
  /** Writes its first substantial batch of changes twice (a retried transaction without a token). */
  | 'double-batch'
  /** Writes its last batch again 300 ms after it (Reduce failing after its final transaction, then retried). */
  | 'double-last-batch'
  /** Overwrites a trade with whatever version arrives last (no version check). */
  | 'last-wins'
  /** Takes half a second per batch of 100 records. */
  | 'slow'
  /** Builds keys as RiskType:Region:TradeDesk instead of RiskType:TradeDesk:Region. */
  | 'wrong-key-order';

interface HeldVersion {
  version: number;
  cents: number;
  value: number;
  message: RiskMessage;
}

const FLUSH_INTERVAL_MS = 200;
const EMPTY_POLL_MS = 50;
const DOUBLED_BATCH_MIN_MESSAGES = 50;
const LAST_BATCH_RETRY_DELAY_MS = 300;

function keysOf(message: RiskMessage, bug: PipelineBug): string[] {
  const { RiskType, TradeDesk, Region } = message.Hierarchy;
  return bug === 'wrong-key-order'
    ? [`${RiskType}:${Region}:${TradeDesk}`, `${RiskType}:${Region}`, RiskType]
    : [`${RiskType}:${TradeDesk}:${Region}`, `${RiskType}:${TradeDesk}`, RiskType];
}

export class TestPipeline {
  private readonly state = new Map<string, HeldVersion>();
  private pending = new Map<string, number>();
  private pendingMessages = 0;
  private recordsRead = 0;
  private doubled = false;
  private running = true;
  private lastActivity = Date.now();
  private readonly loops: Promise<void>[] = [];

  private constructor(
    private readonly target: TeamTarget,
    public bug: PipelineBug,
  ) {}

  /** Starts reading the stream from its latest records (earlier rounds are not replayed). */
  static async start(target: TeamTarget, bug: PipelineBug = 'none'): Promise<TestPipeline> {
    const pipeline = new TestPipeline(target, bug);
    const kinesis = kinesisClient(target.connection);
    const shards = await kinesis.send(new ListShardsCommand({ StreamName: target.resources.streamName }));
    const iterators = await Promise.all(
      (shards.Shards ?? []).map(async (shard) => {
        const result = await kinesis.send(
          new GetShardIteratorCommand({ StreamName: target.resources.streamName, ShardId: shard.ShardId!, ShardIteratorType: 'LATEST' }),
        );
        return result.ShardIterator!;
      }),
    );
    pipeline.loops.push(...iterators.map((iterator) => pipeline.readShard(iterator)), pipeline.flushLoop());
    return pipeline;
  }

  /** Resolves once nothing was read or written for `quietMs`. */
  async idle(quietMs = 1000): Promise<void> {
    while (this.pending.size > 0 || Date.now() - this.lastActivity < quietMs) await new Promise((resolve) => setTimeout(resolve, 100));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async readShard(firstIterator: string): Promise<void> {
    const kinesis = kinesisClient(this.target.connection);
    let iterator: string | undefined = firstIterator;
    while (this.running && iterator) {
      let result;
      try {
        result = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 100 }));
      } catch (error) {
        console.error(`test pipeline: reading the stream failed: ${error instanceof Error ? error.message : String(error)}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      iterator = result.NextShardIterator;
      const records = result.Records ?? [];
      if (records.length === 0) {
        await new Promise((resolve) => setTimeout(resolve, EMPTY_POLL_MS));
        continue;
      }
      this.lastActivity = Date.now();
      if (this.bug === 'slow') await new Promise((resolve) => setTimeout(resolve, 500));
      for (const record of records) this.apply(parseMessage(Buffer.from(record.Data!).toString('utf8')));
    }
  }

  private add(keys: string[], cents: number): void {
    for (const key of keys) this.pending.set(key, (this.pending.get(key) ?? 0) + cents);
  }

  private apply(message: RiskMessage): void {
    this.recordsRead += 1;
    if (this.bug === 'drop-records' && this.recordsRead % 10 === 0) return;
    const held = this.state.get(message.TradeID);
    const cents = toCents(message.Value);
    if (held) {
      const unchanged = held.version === message.Version && held.value === message.Value && keysOf(held.message, 'none')[0] === keysOf(message, 'none')[0];
      if (unchanged) return;
      if (this.bug !== 'last-wins' && held.version >= message.Version) return;
      this.add(keysOf(held.message, this.bug), -held.cents);
    }
    this.state.set(message.TradeID, { version: message.Version, cents, value: message.Value, message });
    this.add(keysOf(message, this.bug), cents);
    this.pendingMessages += 1;
  }

  private async flushLoop(): Promise<void> {
    let lastWrite: (() => Promise<unknown>) | null = null;
    while (this.running || this.pending.size > 0) {
      await new Promise((resolve) => setTimeout(resolve, FLUSH_INTERVAL_MS));
      if (this.pending.size === 0) {
        if (this.bug === 'double-last-batch' && lastWrite && !this.doubled) {
          this.doubled = true;
          await new Promise((resolve) => setTimeout(resolve, LAST_BATCH_RETRY_DELAY_MS));
          await lastWrite();
          this.lastActivity = Date.now();
        }
        continue;
      }
      const changes = this.pending;
      const messages = this.pendingMessages;
      this.pending = new Map();
      this.pendingMessages = 0;
      const items = [...changes.entries(), [MESSAGE_COUNT_KEY, messages * 100] as [string, number]]
        .filter(([, cents]) => cents !== 0)
        .map(([key, cents]) => ({
          Update: {
            TableName: this.target.resources.aggregateTable,
            Key: { Identifier: { S: key } },
            UpdateExpression: 'ADD #value :delta',
            ExpressionAttributeNames: { '#value': 'Value' },
            ExpressionAttributeValues: { ':delta': { N: centsToDecimal(cents) } },
          },
        }));
      const write = () => dynamoDbClient(this.target.connection).send(new TransactWriteItemsCommand({ TransactItems: items }));
      try {
        await write();
        lastWrite = write;
        if (this.bug === 'double-batch' && !this.doubled && messages >= DOUBLED_BATCH_MIN_MESSAGES) {
          this.doubled = true;
          await write();
        }
      } catch (error) {
        console.error(`test pipeline: writing the AggregateTable failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      this.lastActivity = Date.now();
    }
  }
}
