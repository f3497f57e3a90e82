/**
 * Reads a table's DynamoDB stream from DynamoDB Local and hands its records over in the shape
 * Lambda delivers them, so tests can feed real stream records to the Map and Reduce handlers.
 */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type AttributeValue as SdkStreamAttributeValue,
  type _Record as SdkStreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import { dynamoDbClient, dynamoDbStreamsClient, type Connection } from '../../lib/aws/clients';

function attributeOf(value: SdkStreamAttributeValue): AttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.SS !== undefined) return { SS: value.SS };
  if (value.NS !== undefined) return { NS: value.NS };
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((bytes) => Buffer.from(bytes).toString('base64')) };
  if (value.L !== undefined) return { L: value.L.map(attributeOf) };
  if (value.M !== undefined) return { M: imageOf(value.M) };
  throw new Error('unknown attribute value type');
}

function imageOf(image: Record<string, SdkStreamAttributeValue>): Record<string, AttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, attributeOf(value)]));
}

/** Converts a DynamoDB Streams API record into the record of a Lambda DynamoDB stream event. */
export function lambdaRecordOf(record: SdkStreamRecord, streamArn: string): DynamoDBRecord {
  const change = record.dynamodb ?? {};
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion,
    eventSource: record.eventSource,
    awsRegion: record.awsRegion,
    dynamodb: {
      ApproximateCreationDateTime: change.ApproximateCreationDateTime ? Math.floor(change.ApproximateCreationDateTime.getTime() / 1000) : undefined,
      Keys: change.Keys ? imageOf(change.Keys) : undefined,
      ...(change.NewImage ? { NewImage: imageOf(change.NewImage) } : {}),
      ...(change.OldImage ? { OldImage: imageOf(change.OldImage) } : {}),
      SequenceNumber: change.SequenceNumber,
      SizeBytes: change.SizeBytes,
      StreamViewType: change.StreamViewType,
    },
    eventSourceARN: streamArn,
  };
}

/**
 * Follows every shard of a table's stream from its start; `next()` returns the records not yet
 * returned. Each call starts a fresh iterator after the last record seen (DynamoDB Local may refuse
 * an iterator kept from an earlier empty read with TrimmedDataAccessException).
 */
export class TableStreamReader {
  private readonly lastSequence = new Map<string, string>();

  private constructor(
    private readonly connection: Connection,
    readonly streamArn: string,
  ) {}

  static async open(connection: Connection, tableName: string): Promise<TableStreamReader> {
    const table = await dynamoDbClient(connection).send(new DescribeTableCommand({ TableName: tableName }));
    const streamArn = table.Table?.LatestStreamArn;
    if (!streamArn) throw new Error(`table ${tableName} has no stream`);
    return new TableStreamReader(connection, streamArn);
  }

  async next(): Promise<DynamoDBRecord[]> {
    const client = dynamoDbStreamsClient(this.connection);
    const stream = await client.send(new DescribeStreamCommand({ StreamArn: this.streamArn }));
    const records: DynamoDBRecord[] = [];
    for (const shard of stream.StreamDescription?.Shards ?? []) {
      const shardId = shard.ShardId as string;
      const after = this.lastSequence.get(shardId);
      const start = await client.send(
        new GetShardIteratorCommand({
          StreamArn: this.streamArn,
          ShardId: shardId,
          ShardIteratorType: after ? 'AFTER_SEQUENCE_NUMBER' : 'TRIM_HORIZON',
          SequenceNumber: after,
        }),
      );
      let iterator = start.ShardIterator;
      while (iterator) {
        const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
        const pageRecords = page.Records ?? [];
        if (pageRecords.length === 0) break;
        records.push(...pageRecords.map((record) => lambdaRecordOf(record, this.streamArn)));
        this.lastSequence.set(shardId, pageRecords[pageRecords.length - 1].dynamodb?.SequenceNumber as string);
        iterator = page.NextShardIterator;
      }
    }
    return records;
  }
}
