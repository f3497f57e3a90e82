/**
 * Thin adapters over the two stream APIs a trigger reads (Kinesis; DynamoDB Streams): list shards,
 * position an iterator, read records already shaped as Lambda event records.
 */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  GetRecordsCommand as StreamsGetRecords,
  GetShardIteratorCommand as StreamsGetShardIterator,
  type Shard as StreamsShard,
} from '@aws-sdk/client-dynamodb-streams';
import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand as KinesisGetRecords,
  GetShardIteratorCommand as KinesisGetShardIterator,
  type Shard as KinesisShard,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import type { DynamoDBRecord, KinesisStreamRecord } from 'aws-lambda';
import { type Connection, dynamoDbClient, dynamoDbStreamsClient, kinesisClient } from '@/lib/aws/clients';
import { dynamoDbEventRecord, kinesisEventRecord, payloadBytes, withRegion } from './lambda-events';

export type EventRecord = KinesisStreamRecord | DynamoDBRecord;

export interface SourceRecord {
  sequenceNumber: string;
  record: EventRecord;
  /** Bytes the record adds to the invoke payload. */
  bytes: number;
  /** When the runtime read it (ms since epoch): a batching window runs from here. */
  readAt: number;
}

export interface ShardInfo {
  shardId: string;
  parentShardIds: string[];
  /** The shard takes no new records (it has an ending sequence number). */
  closed: boolean;
}

export interface StreamInfo {
  arn: string;
  /** Changes when the stream is deleted and created again (a reset team), even under the same name. */
  identity: string;
  shards: ShardInfo[];
}

export type ShardPosition = { kind: 'trim-horizon' } | { kind: 'latest' } | { kind: 'after'; sequenceNumber: string };

export interface ShardRead {
  records: SourceRecord[];
  /** Null once a closed shard has been read to its end. */
  nextIterator: string | null;
}

export interface StreamSource {
  /** e.g. "Kinesis stream my-team-IncomingDataStream". */
  readonly label: string;
  /** Most records one read returns. */
  readonly readLimit: number;
  describe(): Promise<StreamInfo>;
  /** Just the stream's identity (one cheap call). */
  identity(): Promise<string>;
  /** An iterator at the position, or null when the (closed) shard holds nothing after it. */
  shardIterator(shardId: string, position: ShardPosition): Promise<string | null>;
  read(shardId: string, iterator: string): Promise<ShardRead>;
}

/** The stream (or the table, or the table's stream) does not exist. */
export class StreamNotFoundError extends Error {}

export type ReadProblem = 'expired-iterator' | 'trimmed' | 'not-found' | 'other';

/** Sorts a stream API error into what a shard reader does about it. */
export function readProblem(error: unknown): ReadProblem {
  const name = (error as { name?: string }).name ?? '';
  const message = (error as { message?: string }).message ?? '';
  if (name === 'ExpiredIteratorException') return 'expired-iterator';
  if (name === 'TrimmedDataAccessException') return 'trimmed';
  if (name === 'ResourceNotFoundException' || error instanceof StreamNotFoundError) return 'not-found';
  if (name === 'InvalidArgumentException' && /did not come from this stream|is invalid/.test(message)) return 'not-found';
  return 'other';
}

const KINESIS_READ_LIMIT = 10_000;
const DYNAMODB_READ_LIMIT = 1_000;

export interface SourceOptions {
  connection: Connection;
  /** Stream name (Kinesis) or table name (DynamoDB). */
  name: string;
  invokeIdentityArn: string;
}

export class KinesisSource implements StreamSource {
  readonly label: string;
  readonly readLimit = KINESIS_READ_LIMIT;
  private arn = '';

  constructor(private readonly options: SourceOptions) {
    this.label = `Kinesis stream ${options.name}`;
  }

  private get client() {
    return kinesisClient(this.options.connection);
  }

  private async summary(): Promise<{ arn: string; identity: string }> {
    let summary;
    try {
      summary = await this.client.send(new DescribeStreamSummaryCommand({ StreamName: this.options.name }));
    } catch (error) {
      if ((error as Error).name === 'ResourceNotFoundException') throw new StreamNotFoundError(`${this.label} not found`);
      throw error;
    }
    const description = summary.StreamDescriptionSummary;
    if (!description?.StreamARN) throw new StreamNotFoundError(`${this.label} not found`);
    if (description.StreamStatus !== 'ACTIVE' && description.StreamStatus !== 'UPDATING') {
      throw new StreamNotFoundError(`${this.label} is ${description.StreamStatus}`);
    }
    return { arn: description.StreamARN, identity: `${description.StreamARN}@${description.StreamCreationTimestamp?.getTime() ?? 0}` };
  }

  async identity(): Promise<string> {
    return (await this.summary()).identity;
  }

  async describe(): Promise<StreamInfo> {
    const { arn, identity } = await this.summary();
    const shards: KinesisShard[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: this.options.name, MaxResults: 1000 }));
      shards.push(...(page.Shards ?? []));
      nextToken = page.NextToken;
    } while (nextToken);
    this.arn = arn;
    return {
      arn,
      identity,
      shards: shards.map((shard) => ({
        shardId: shard.ShardId ?? '',
        parentShardIds: [shard.ParentShardId, shard.AdjacentParentShardId].filter((id): id is string => Boolean(id)),
        closed: Boolean(shard.SequenceNumberRange?.EndingSequenceNumber),
      })),
    };
  }

  async shardIterator(shardId: string, position: ShardPosition): Promise<string | null> {
    const output = await this.client.send(
      new KinesisGetShardIterator({
        StreamName: this.options.name,
        ShardId: shardId,
        ShardIteratorType: position.kind === 'after' ? 'AFTER_SEQUENCE_NUMBER' : position.kind === 'latest' ? 'LATEST' : 'TRIM_HORIZON',
        StartingSequenceNumber: position.kind === 'after' ? position.sequenceNumber : undefined,
      }),
    );
    return output.ShardIterator ?? null;
  }

  async read(shardId: string, iterator: string): Promise<ShardRead> {
    const output = await this.client.send(new KinesisGetRecords({ ShardIterator: iterator, Limit: KINESIS_READ_LIMIT }));
    const readAt = Date.now();
    const info = {
      shardId,
      eventSourceArn: this.arn,
      region: this.options.connection.region,
      invokeIdentityArn: this.options.invokeIdentityArn,
    };
    const records = (output.Records ?? []).map((apiRecord) => {
      const record = kinesisEventRecord(apiRecord, info);
      return { sequenceNumber: record.kinesis.sequenceNumber, record, bytes: payloadBytes(record), readAt };
    });
    return { records, nextIterator: output.NextShardIterator ?? null };
  }
}

export class DynamoDbStreamSource implements StreamSource {
  readonly label: string;
  readonly readLimit = DYNAMODB_READ_LIMIT;
  private arn = '';

  constructor(private readonly options: SourceOptions) {
    this.label = `stream of table ${options.name}`;
  }

  private get streams() {
    return dynamoDbStreamsClient(this.options.connection);
  }

  /** The table's current stream ARN (a recreated table or re-enabled stream gets a new one). */
  async identity(): Promise<string> {
    let table;
    try {
      table = await dynamoDbClient(this.options.connection).send(new DescribeTableCommand({ TableName: this.options.name }));
    } catch (error) {
      if ((error as Error).name === 'ResourceNotFoundException') throw new StreamNotFoundError(`table ${this.options.name} not found`);
      throw error;
    }
    const streamArn = table.Table?.LatestStreamArn;
    if (!streamArn || !table.Table?.StreamSpecification?.StreamEnabled) {
      throw new StreamNotFoundError(`table ${this.options.name} has no stream enabled`);
    }
    return streamArn;
  }

  async describe(): Promise<StreamInfo> {
    const streamArn = await this.identity();
    const shards: StreamsShard[] = [];
    let startAfter: string | undefined;
    do {
      const page = await this.streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: startAfter }));
      shards.push(...(page.StreamDescription?.Shards ?? []));
      startAfter = page.StreamDescription?.LastEvaluatedShardId;
    } while (startAfter);
    this.arn = streamArn;
    return {
      arn: streamArn,
      identity: streamArn,
      shards: shards.map((shard) => ({
        shardId: shard.ShardId ?? '',
        parentShardIds: shard.ParentShardId ? [shard.ParentShardId] : [],
        closed: Boolean(shard.SequenceNumberRange?.EndingSequenceNumber),
      })),
    };
  }

  /**
   * LATEST is emulated by reading the shard from its trim horizon to its end: DynamoDB Local can throw
   * TrimmedDataAccessException for LATEST iterators on fresh tables (aws/aws-sdk-java #2923).
   */
  async shardIterator(shardId: string, position: ShardPosition): Promise<string | null> {
    const output = await this.streams.send(
      new StreamsGetShardIterator({
        StreamArn: this.arn,
        ShardId: shardId,
        ShardIteratorType: position.kind === 'after' ? 'AFTER_SEQUENCE_NUMBER' : 'TRIM_HORIZON',
        SequenceNumber: position.kind === 'after' ? position.sequenceNumber : undefined,
      }),
    );
    let iterator = output.ShardIterator ?? null;
    if (position.kind !== 'latest') return iterator;
    while (iterator) {
      const page = await this.streams.send(new StreamsGetRecords({ ShardIterator: iterator, Limit: DYNAMODB_READ_LIMIT }));
      if (!page.Records?.length) return page.NextShardIterator ?? null;
      iterator = page.NextShardIterator ?? null;
    }
    return null;
  }

  async read(_shardId: string, iterator: string): Promise<ShardRead> {
    const output = await this.streams.send(new StreamsGetRecords({ ShardIterator: iterator, Limit: DYNAMODB_READ_LIMIT }));
    const readAt = Date.now();
    const info = { eventSourceArn: withRegion(this.arn, this.options.connection.region), region: this.options.connection.region };
    const records = (output.Records ?? []).map((apiRecord) => {
      const record = dynamoDbEventRecord(apiRecord, info);
      return { sequenceNumber: record.dynamodb?.SequenceNumber ?? '', record, bytes: payloadBytes(record), readAt };
    });
    return { records, nextIterator: output.NextShardIterator ?? null };
  }
}
