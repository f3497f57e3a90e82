/**
 * The local runtime on DynamoDB Streams (a team's own DynamoDB Local): event shapes per stream view
 * type, LATEST versus TRIM_HORIZON, the Lambda context, and handlers reaching DynamoDB through the
 * environment the runtime gives them.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DescribeTableCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoDbClient } from '@/lib/aws/clients';
import { type Emulator, type LocalTeamStack, startKinesis, startTeam } from '@/testing/emulators';
import { eventually } from '@/testing/eventually';
import { LocalRuntime } from './runtime';
import { readReports } from './test-kit';

interface EventReport {
  fn: string;
  started: number;
  remaining: number;
  environment: Record<string, string | undefined>;
  storedValue?: string;
  records: DynamoDBRecord[];
}

const handler = `
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
const client = new DynamoDBClient({});
export const handler = async (event: any, context: any) => {
  let storedValue;
  if (context.functionName.endsWith('MapLambda')) {
    const item = await client.send(new GetItemCommand({ TableName: process.env.STATE_TABLE_NAME, Key: { id: { S: 'a' } } }));
    storedValue = item.Item?.v?.N;
  }
  const environment = Object.fromEntries(['AWS_ENDPOINT_URL', 'AWS_REGION', 'AWS_LAMBDA_FUNCTION_NAME', 'STATE_TABLE_NAME', 'REDUCE_TABLE_NAME', 'AGGREGATE_TABLE_NAME', 'PARAMETER_TABLE_NAME', 'EXTRA'].map((name) => [name, process.env[name]]));
  const report = path.join(process.env.REPORT_DIR!, context.awsRequestId + '.json');
  writeFileSync(report + '.tmp', JSON.stringify({
    fn: context.functionName, started: Date.now(), remaining: context.getRemainingTimeInMillis(), environment, storedValue, records: event.Records,
  }));
  renameSync(report + '.tmp', report);
};`;

let kinesis: Emulator;
let stack: LocalTeamStack;
let root: string;
const runtime = new LocalRuntime();

beforeAll(async () => {
  kinesis = await startKinesis('kinesis-runtime-ddb-test');
  stack = await startTeam('streams', kinesis.endpoint, 1);
});

afterAll(async () => {
  await runtime.stop();
  await stack?.stop();
  await kinesis?.process.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('local runtime on DynamoDB Streams', () => {
  it('delivers INSERT and MODIFY records shaped as Lambda does, per stream view type and starting position', async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'runtime-streams-'));
    const codeDirectory = path.join(root, 'code');
    const reportDirectory = path.join(root, 'reports');
    mkdirSync(codeDirectory);
    mkdirSync(reportDirectory);
    writeFileSync(path.join(codeDirectory, 'handler.ts'), handler);
    writeFileSync(
      path.join(codeDirectory, 'triggers.json'),
      JSON.stringify({
        functions: { map: { handler: 'handler.ts', timeoutSeconds: 30 }, reduce: { handler: 'handler.ts', timeoutSeconds: 30, reservedConcurrency: 1 } },
        triggers: [
          { function: 'map', source: 'StateTable', batchSize: 100, startingPosition: 'TRIM_HORIZON' },
          { function: 'reduce', source: 'ReduceTable', batchSize: 100, startingPosition: 'LATEST' },
        ],
      }),
    );
    const client = dynamoDbClient(stack.connection);
    await client.send(new PutItemCommand({ TableName: 'StateTable', Item: { id: { S: 'before' }, v: { N: '0' } } }));
    await client.send(new PutItemCommand({ TableName: 'ReduceTable', Item: { MessageId: { S: 'before' } } }));

    await runtime.upsertTeam({
      slug: 'streams',
      connection: stack.connection,
      resources: stack.resources,
      codeDirectory,
      environment: { REPORT_DIR: reportDirectory, EXTRA: 'yes' },
    });
    await eventually(
      'the ReduceTable reader at LATEST',
      () => runtime.status().teams.streams?.functions.reduce?.triggers[0]?.shards ?? [],
      (shards) => shards.some((shard) => shard.state === 'reading'),
    );

    await client.send(new PutItemCommand({ TableName: 'StateTable', Item: { id: { S: 'a' }, v: { N: '1' }, b: { B: new Uint8Array([1, 2]) } } }));
    await client.send(
      new UpdateItemCommand({
        TableName: 'StateTable',
        Key: { id: { S: 'a' } },
        UpdateExpression: 'SET v = :v',
        ExpressionAttributeValues: { ':v': { N: '2' } },
      }),
    );
    await client.send(new PutItemCommand({ TableName: 'ReduceTable', Item: { MessageId: { S: 'm' }, Amount: { N: '5' } } }));
    await client.send(
      new UpdateItemCommand({
        TableName: 'ReduceTable',
        Key: { MessageId: { S: 'm' } },
        UpdateExpression: 'SET Amount = :t',
        ExpressionAttributeValues: { ':t': { N: '6' } },
      }),
    );

    const reportsOf = (suffix: string) =>
      readReports<EventReport>(reportDirectory)
        .filter((report) => report.fn.endsWith(suffix))
        .sort((a, b) => a.started - b.started);
    const recordsOf = (suffix: string) => reportsOf(suffix).flatMap((report) => report.records);
    await eventually(
      'the 3 StateTable records',
      () => recordsOf('MapLambda'),
      (records) => records.length >= 3,
    );
    await eventually(
      'the 2 ReduceTable records',
      () => recordsOf('ReduceLambda'),
      (records) => records.length >= 2,
    );

    const tables = await Promise.all(['StateTable', 'ReduceTable'].map((TableName) => client.send(new DescribeTableCommand({ TableName }))));
    const [stateArn, reduceArn] = tables.map((table) => table.Table!.LatestStreamArn!.replace(':ddblocal:', ':us-east-1:'));
    const now = Date.now() / 1000;

    const stateRecords = recordsOf('MapLambda');
    expect(stateRecords.map((record) => [record.eventName, record.dynamodb?.Keys?.id?.S])).toEqual([
      ['INSERT', 'before'],
      ['INSERT', 'a'],
      ['MODIFY', 'a'],
    ]);
    const [, insert, modify] = stateRecords;
    expect(insert).toMatchObject({
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      eventSourceARN: stateArn,
      dynamodb: { Keys: { id: { S: 'a' } }, NewImage: { id: { S: 'a' }, v: { N: '1' }, b: { B: 'AQI=' } }, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
    expect(insert?.dynamodb?.OldImage).toBeUndefined();
    expect(modify?.dynamodb).toMatchObject({ OldImage: { v: { N: '1' } }, NewImage: { v: { N: '2' } }, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    for (const record of stateRecords) {
      expect(record.eventID).toMatch(/^[0-9a-f-]{20,}$/);
      expect(record.dynamodb?.SequenceNumber).toMatch(/^\d{21,40}$/);
      expect(record.dynamodb?.SizeBytes).toBeGreaterThan(0);
      expect(Math.abs(record.dynamodb!.ApproximateCreationDateTime! - now)).toBeLessThan(180);
    }
    const sequence = stateRecords.map((record) => BigInt(record.dynamodb!.SequenceNumber!));
    expect(sequence).toEqual([...sequence].sort((a, b) => (a < b ? -1 : 1)));

    const reduceRecords = recordsOf('ReduceLambda');
    expect(reduceRecords.map((record) => [record.eventName, record.dynamodb?.Keys?.MessageId?.S])).toEqual([
      ['INSERT', 'm'],
      ['MODIFY', 'm'],
    ]);
    expect(reduceRecords[1]).toMatchObject({ eventSourceARN: reduceArn, dynamodb: { NewImage: { Amount: { N: '6' } }, StreamViewType: 'NEW_IMAGE' } });
    expect(reduceRecords[1]?.dynamodb?.OldImage).toBeUndefined();

    // The invocation that carried a's MODIFY ran after the update was written, so its read sees v = 2 however the
    // records were batched (on a busy machine a's INSERT can arrive in an invocation of its own, before the update).
    const mapReport = reportsOf('MapLambda').find((report) =>
      report.records.some((record) => record.eventName === 'MODIFY' && record.dynamodb?.Keys?.id?.S === 'a'),
    )!;
    expect(mapReport.storedValue).toBe('2');
    // The function's 30 s timeout, not Lambda's default 3 s (a cold sandbox on a busy machine may take seconds before the handler runs).
    expect(mapReport.remaining).toBeGreaterThan(10_000);
    expect(mapReport.remaining).toBeLessThanOrEqual(30_000);
    expect(mapReport.environment).toEqual({
      AWS_ENDPOINT_URL: stack.connection.dynamodbEndpoint,
      AWS_REGION: 'us-east-1',
      AWS_LAMBDA_FUNCTION_NAME: 'streams-MapLambda',
      STATE_TABLE_NAME: 'StateTable',
      REDUCE_TABLE_NAME: 'ReduceTable',
      AGGREGATE_TABLE_NAME: 'AggregateTable',
      PARAMETER_TABLE_NAME: 'ParameterTable',
      EXTRA: 'yes',
    });
  });
});
