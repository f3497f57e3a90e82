/**
 * Figure 3: the SDK ceiling on this machine: calls per second against one team's DynamoDB Local
 * (its four tables created at start, as a team gets them) of UpdateItem on the AggregateTable and of
 * State's conditional PutItem on the StateTable (stream on), with 1 to 40 calls in flight (State
 * has 10 per shard, 4 shards), and the CPU each call costs the client and the server. Then where a
 * team's tables live: State's write at 10 in flight against DynamoDB Locals keeping their tables in
 * memory, on disk as scratch data (as teams' tables are kept: SQLite not waiting for the disk), and
 * on disk with SQLite's default syncs, measured alternately; with each one's memory growth per write.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { type DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { type Connection, dynamoDbClient } from '@/lib/aws/clients';
import { AGGREGATION_KEYS } from '@/lib/domain/hierarchy';
import { type Emulator, LOCAL_REGION, startDynamoDbLocal } from '@/lib/local/emulators';
import { freePort } from '@/lib/local/ports';
import { createTables } from '@/lib/local/team-resources';
import { localResources } from '@/lib/pipeline-resources';
import { checkInterrupted, type FigureContext, type FigureOutput, type TableRow } from '../figure';
import { CpuMeter, memoryUse } from '../proc';
import { grouped, median, megabytes, rounded } from '../stats';

export interface SdkCeilingInputs {
  /** Alternating measurements of State's write per storage (each `secondsPerMeasurement`). */
  storageRepetitions: number;
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

/** Where a DynamoDB Local keeps its tables. */
export type Storage = 'in memory' | 'on disk, scratch (no syncs)' | 'on disk, SQLite default syncs';
const STORAGES: readonly Storage[] = ['in memory', 'on disk, scratch (no syncs)', 'on disk, SQLite default syncs'];

export interface StorageSample {
  storage: Storage;
  /** Median calls/s of State's conditional PutItem at 10 in flight over the alternating measurements. */
  callsPerSecond: number;
  serverCpuMsPerCall: number;
  writes: number;
  /** Resident memory of the DynamoDB Local after its warm-up and at the end (KiB), and what it grew per 1,000 writes. */
  startRssKib: number | null;
  endRssKib: number | null;
  kibPer1000Writes: number | null;
  /** Size of its data directory at the end (KiB; null in memory). */
  diskKib: number | null;
}

export interface SdkCeilingResults {
  samples: CeilingSample[];
  storage: StorageSample[];
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
  const storage = await storageFigure(inputs, context);
  const results = { samples, storage };
  return { results, rows: sdkCeilingRows(results) };
}

async function directoryKib(directory: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(directory, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return Math.round(total / 1024);
}

/** State's write against a DynamoDB Local per storage, measured alternately, with memory growth per write. */
async function storageFigure(inputs: SdkCeilingInputs, context: FigureContext): Promise<StorageSample[]> {
  const resources = localResources('bench-storage');
  const started: Array<{ storage: Storage; emulator: Emulator; client: DynamoDBClient; directory: string | null }> = [];
  try {
    for (const storage of STORAGES) {
      const directory = storage === 'in memory' ? null : path.join(context.workDirectory, `dynamodb-${storage.includes('scratch') ? 'scratch' : 'durable'}`);
      const emulator = await startDynamoDbLocal(`dynamodb-${storage}`, {
        port: await freePort(),
        logFile: path.join(context.workDirectory, `dynamodb-storage-${started.length}.log`),
        ...(directory === null ? {} : storage.includes('scratch') ? { scratchDirectory: directory } : { dataDirectory: mkdirp(directory) }),
      });
      const connection: Connection = { region: LOCAL_REGION, dynamodbEndpoint: emulator.endpoint };
      await createTables(connection, resources);
      started.push({ storage, emulator, client: dynamoDbClient(connection), directory });
    }
    const call = operationCall('conditional PutItem', { aggregate: resources.aggregateTable, state: resources.stateTable });
    const measured = new Map<Storage, Array<{ calls: number; wallMs: number; serverCpuMs: number }>>(STORAGES.map((storage) => [storage, []]));
    const writes = new Map<Storage, number>(STORAGES.map((storage) => [storage, 0]));
    const startRss = new Map<Storage, number | null>();
    for (const { storage, emulator, client } of started) {
      checkInterrupted(context.signal);
      const warmUp = await loop(client, call, 10, 120_000, Math.min(inputs.warmUpCalls, 5_000));
      writes.set(storage, warmUp.calls);
      startRss.set(storage, memoryUse(emulator.process.pid!)?.rssKib ?? null);
    }
    for (let repetition = 0; repetition < inputs.storageRepetitions; repetition++) {
      for (const { storage, emulator, client } of repetition % 2 ? [...started].reverse() : started) {
        checkInterrupted(context.signal);
        const meter = new CpuMeter([{ name: 'server', pid: emulator.process.pid! }]);
        const { calls } = await loop(client, call, 10, inputs.secondsPerMeasurement * 1000);
        const cpu = meter.read();
        measured.get(storage)!.push({ calls, wallMs: cpu.wallMs, serverCpuMs: cpu.perProcess.server ?? 0 });
        writes.set(storage, (writes.get(storage) ?? 0) + calls);
        context.log(`  conditional PutItem, 10 in flight, ${storage}: ${grouped(Math.round(calls / (cpu.wallMs / 1000)))} calls/s`);
      }
    }
    const samples: StorageSample[] = [];
    for (const { storage, emulator, directory } of started) {
      const runs = measured.get(storage) ?? [];
      const calls = runs.reduce((sum, run) => sum + run.calls, 0);
      const startRssKib = startRss.get(storage) ?? null;
      const endRssKib = memoryUse(emulator.process.pid!)?.rssKib ?? null;
      const measuredWrites = calls;
      samples.push({
        storage,
        callsPerSecond: Math.round(median(runs.map((run) => run.calls / (run.wallMs / 1000))) ?? 0),
        serverCpuMsPerCall: rounded(runs.reduce((sum, run) => sum + run.serverCpuMs, 0) / Math.max(1, calls), 2),
        writes: writes.get(storage) ?? 0,
        startRssKib,
        endRssKib,
        kibPer1000Writes:
          startRssKib !== null && endRssKib !== null && measuredWrites > 0 ? rounded(((endRssKib - startRssKib) / measuredWrites) * 1000, 0) : null,
        diskKib: directory === null ? null : await directoryKib(directory),
      });
    }
    return samples;
  } finally {
    await Promise.all(started.map(({ emulator }) => emulator.process.stop()));
  }
}

function mkdirp(directory: string): string {
  mkdirSync(directory, { recursive: true });
  return directory;
}

export function sdkCeilingRows(results: SdkCeilingResults): TableRow[] {
  const memory = results.storage.find((sample) => sample.storage === 'in memory');
  return [
    ...results.samples.map((sample) => ({
      measure: `${sample.operation}, ${sample.inFlight} in flight`,
      result: `${grouped(sample.callsPerSecond)} calls/s${sample.errors ? ` (${sample.errors} errors)` : ''}`,
      note: `CPU per call: SDK client ${sample.clientCpuMsPerCall} ms, DynamoDB Local ${sample.serverCpuMsPerCall} ms`,
    })),
    ...(results.storage ?? []).map((sample) => ({
      measure: `conditional PutItem, 10 in flight, tables ${sample.storage}`,
      result: `${grouped(sample.callsPerSecond)} calls/s${memory && sample !== memory ? ` (${Math.round((sample.callsPerSecond / Math.max(1, memory.callsPerSecond)) * 100)} % of in memory)` : ''}`,
      note: `median of alternating runs; DynamoDB Local ${sample.serverCpuMsPerCall} ms CPU per call; memory ${megabytes(sample.startRssKib)} → ${megabytes(sample.endRssKib)} over ${grouped(sample.writes)} writes (${sample.kibPer1000Writes === null ? '—' : `${grouped(sample.kibPer1000Writes)} KB`} per 1,000)${sample.diskKib === null ? '' : `; ${megabytes(sample.diskKib)} on disk`}`,
    })),
  ];
}

/** The fastest rate measured for an operation (the ceiling a round's writes can reach). */
export function bestRate(results: SdkCeilingResults, operation: Operation): CeilingSample | null {
  const mine = results.samples.filter((sample) => sample.operation === operation);
  return mine.length ? mine.reduce((best, sample) => (sample.callsPerSecond > best.callsPerSecond ? sample : best)) : null;
}
