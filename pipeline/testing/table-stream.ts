/**
 * Reads a table's DynamoDB stream from DynamoDB Local and hands its records over in the shape
 * Lambda delivers them, so tests can feed real stream records to the Map and Reduce handlers.
 */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import { type Connection, dynamoDbClient, dynamoDbStreamsClient } from '../../lib/aws/clients';
import { type DynamoDbSourceInfo, dynamoDbEventRecord, withRegion } from '../../lib/runtime/streams/lambda-events';

/**
 * Follows every shard of a table's stream from its start; `next()` returns the records not yet
 * returned. Each call starts a fresh iterator after the last record seen (DynamoDB Local may refuse
 * an iterator kept from an earlier empty read with TrimmedDataAccessException).
 */
export class TableStreamReader {
  private readonly lastSequence = new Map<string, string>();

  private constructor(
    private readonly connection: Connection,
    private readonly streamArn: string,
    /** Where the records say they come from, as the runtime's trigger says it. */
    private readonly source: DynamoDbSourceInfo,
  ) {}

  static async open(connection: Connection, tableName: string): Promise<TableStreamReader> {
    const table = await dynamoDbClient(connection).send(new DescribeTableCommand({ TableName: tableName }));
    const streamArn = table.Table?.LatestStreamArn;
    if (!streamArn) throw new Error(`table ${tableName} has no stream`);
    const source = { eventSourceArn: withRegion(streamArn, connection.region), region: connection.region };
    return new TableStreamReader(connection, streamArn, source);
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
        records.push(...pageRecords.map((record) => dynamoDbEventRecord(record, this.source)));
        this.lastSequence.set(shardId, pageRecords.at(-1)?.dynamodb?.SequenceNumber as string);
        iterator = page.NextShardIterator;
      }
    }
    return records;
  }
}
