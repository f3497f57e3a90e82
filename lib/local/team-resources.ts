/**
 * Creating a local team's pipeline resources: its four tables in the team's own DynamoDB Local
 * (created right after that process starts, which keeps DynamoDB Local fast) and its Kinesis stream.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateTableCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  ResourceInUseException,
  ResourceNotFoundException,
} from '@aws-sdk/client-kinesis';
import { type Connection, dynamoDbClient, kinesisClient } from '../aws/clients';
import { type PipelineResources, TABLE_SPECS, type TableSpec, tableName } from '../pipeline-resources';

/** Creates one table of a team's pipeline under `name`, with the key and stream of its spec, and waits until it exists. */
export async function createTable(connection: Connection, name: string, spec: TableSpec): Promise<void> {
  const client = dynamoDbClient(connection);
  await client.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: spec.hashKey, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: spec.hashKey, KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: spec.stream ? { StreamEnabled: true, StreamViewType: spec.stream } : undefined,
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: name });
}

/** Creates the StateTable, ReduceTable, AggregateTable and ParameterTable (streams as in docs/game.md). */
export async function createTables(connection: Connection, resources: PipelineResources): Promise<void> {
  for (const spec of TABLE_SPECS) await createTable(connection, tableName(resources, spec.role), spec);
}

async function waitForStream(connection: Connection, streamName: string, wanted: 'ACTIVE' | 'GONE'): Promise<void> {
  const client = kinesisClient(connection);
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
      if (wanted === 'ACTIVE' && summary.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
      if (wanted === 'GONE') return;
    }
    await sleep(100);
  }
  throw new Error(`Kinesis stream ${streamName} did not become ${wanted}`);
}

/** Creates the team's stream, replacing an existing one (a reset starts from an empty stream). */
export async function recreateStream(connection: Connection, streamName: string, shardCount: number): Promise<void> {
  const client = kinesisClient(connection);
  await deleteStream(connection, streamName);
  try {
    await client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shardCount }));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  await waitForStream(connection, streamName, 'ACTIVE');
}

/** Deletes the team's stream if it exists. */
export async function deleteStream(connection: Connection, streamName: string): Promise<void> {
  try {
    await kinesisClient(connection).send(new DeleteStreamCommand({ StreamName: streamName, EnforceConsumerDeletion: true }));
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return;
    throw error;
  }
  await waitForStream(connection, streamName, 'GONE');
}
