/**
 * Figure 3: the SDK ceiling on this machine: calls per second against one team's DynamoDB Local
 * (its four tables created at start, as a team gets them) of UpdateItem on the AggregateTable and of
 * State's conditional PutItem on the StateTable (stream on), with 1 to 40 calls in flight (State
 * has 10 per shard, 4 shards), and the CPU each call costs the client and the server.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { type DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { type Connection, dynamoDbClient } from '@/lib/aws/clients';
import { AGGREGATION_KEYS } from '@/lib/domain/hierarchy';
import { LOCAL_REGION, startDynamoDbLocal } from '@/lib/local/emulators';
import { freePort } from '@/lib/local/ports';
import { createTables } from '@/lib/local/team-resources';
import { localResources } from '@/lib/pipeline-resources';
import { checkInterrupted, type FigureContext, type FigureOutput, type TableRow } from '../figure';
import { CpuMeter } from '../proc';
import { grouped, rounded } from '../stats';

export interface SdkCeilingInputs {
  /** Calls in flight at once. */
  concurrency: number[];
  /** Measuring time per operation and concurrency. */
  secondsPerMeasurement: number;
  /** Unmeasured calls of each operation first, so the JVM has compiled its hot paths. */
  warmUpCalls: number;
}

export type Operation = 'UpdateItem' | 'conditional PutItem';

export interface CeilingSample {
  operation: Operation;
  inFlight: number;
  calls: number;
  errors: number;
  callsPerSecond: number;
  /** CPU per call, ms: the SDK client (this process) and DynamoDB Local. */
  clientCpuMsPerCall: number;
  serverCpuMsPerCall: number;
}

export interface SdkCeilingResults {
  samples: CeilingSample[];
}

type Call = (client: DynamoDBClient, sequence: number) => Promise<unknown>;

function operationCall(operation: Operation, tables: { aggregate: string; state: string }): Call {
  if (operation === 'UpdateItem') {
    return (client, sequence) =>
      client.send(
        new UpdateItemCommand({
          TableName: tables.aggregate,
          Key: { Identifier: { S: AGGREGATION_KEYS[sequence % AGGREGATION_KEYS.length]! } },
          UpdateExpression: 'ADD #value :delta',
          ExpressionAttributeNames: { '#value': 'Value' },
          ExpressionAttributeValues: { ':delta': { N: '12.34' } },
        }),
      );
  }
  return (client) =>
    client.send(
      new PutItemCommand({
        TableName: tables.state,
        Item: {
          id: { S: randomUUID() },
          Value: { N: '4242.42' },
          Version: { N: '0' },
          Hierarchy: { S: '{"Region":"EMEA","RiskType":"PV","TradeDesk":"FXSpot"}' },
          Timestamp: { N: String(Math.floor(Date.now() / 1000)) },
        },
        ConditionExpression: 'attribute_not_exists(id) OR Version < :new_version',
        ExpressionAttributeValues: { ':new_version': { N: '0' } },
      }),
    );
}

/** `inFlight` loops of one call after another, for `ms` or until `limit` calls started; returns calls and errors. */
async function loop(client: DynamoDBClient, call: Call, inFlight: number, ms: number, limit = Infinity): Promise<{ calls: number; errors: number }> {
  const until = performance.now() + ms;
  let calls = 0;
  let errors = 0;
  let sequence = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < until && sequence < limit) {
        try {
          await call(client, sequence++);
          calls++;
        } catch {
          errors++;
        }
      }
    }),
  );
  return { calls, errors };
}

export async function sdkCeilingFigure(inputs: SdkCeilingInputs, context: FigureContext): Promise<FigureOutput<SdkCeilingResults>> {
  const dynamodb = await startDynamoDbLocal('dynamodb-ceiling', { port: await freePort(), logFile: path.join(context.workDirectory, 'dynamodb-ceiling.log') });
  const connection: Connection = { region: LOCAL_REGION, dynamodbEndpoint: dynamodb.endpoint };
  const resources = localResources('bench-ceiling');
  const samples: CeilingSample[] = [];
  try {
    await createTables(connection, resources);
    const client = dynamoDbClient(connection);
    const watched = [
      { name: 'client', pid: process.pid },
      { name: 'server', pid: dynamodb.process.pid! },
    ];
    for (const operation of ['UpdateItem', 'conditional PutItem'] as const) {
      const call = operationCall(operation, { aggregate: resources.aggregateTable, state: resources.stateTable });
      await loop(client, call, Math.max(...inputs.concurrency), 120_000, inputs.warmUpCalls);
      for (const inFlight of inputs.concurrency) {
        checkInterrupted(context.signal);
        const meter = new CpuMeter(watched);
        const { calls, errors } = await loop(client, call, inFlight, inputs.secondsPerMeasurement * 1000);
        const cpu = meter.read();
        const sample: CeilingSample = {
          operation,
          inFlight,
          calls,
          errors,
          callsPerSecond: Math.round(calls / (cpu.wallMs / 1000)),
          clientCpuMsPerCall: rounded((cpu.perProcess.client ?? 0) / Math.max(1, calls), 2),
          serverCpuMsPerCall: rounded((cpu.perProcess.server ?? 0) / Math.max(1, calls), 2),
        };
        samples.push(sample);
        context.log(`  ${operation}, ${inFlight} in flight: ${grouped(sample.callsPerSecond)} calls/s`);
      }
    }
  } finally {
    await dynamodb.process.stop();
  }
  const results = { samples };
  return { results, rows: sdkCeilingRows(results) };
}

export function sdkCeilingRows(results: SdkCeilingResults): TableRow[] {
  return results.samples.map((sample) => ({
    measure: `${sample.operation}, ${sample.inFlight} in flight`,
    result: `${grouped(sample.callsPerSecond)} calls/s${sample.errors ? ` (${sample.errors} errors)` : ''}`,
    note: `CPU per call: SDK client ${sample.clientCpuMsPerCall} ms, DynamoDB Local ${sample.serverCpuMsPerCall} ms`,
  }));
}

/** The fastest rate measured for an operation (the ceiling a round's writes can reach). */
export function bestRate(results: SdkCeilingResults, operation: Operation): CeilingSample | null {
  const mine = results.samples.filter((sample) => sample.operation === operation);
  return mine.length ? mine.reduce((best, sample) => (sample.callsPerSecond > best.callsPerSecond ? sample : best)) : null;
}
