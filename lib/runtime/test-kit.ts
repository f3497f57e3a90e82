/**
 * Helpers for the runtime's tests: a team whose handlers live in a temporary code directory, a
 * Kinesis stream of its own in the shared emulator, and records that handlers report as files.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { type Connection, kinesisClient } from '../aws/clients';
import { recreateStream } from '../local/team-resources';
import { localResources } from '../pipeline-resources';
import type { RuntimeTeam } from './runtime';
import type { TriggerConfig, Wiring } from './wiring';

export interface TestTeam {
  team: RuntimeTeam;
  /** Where handlers write their reports (REPORT_DIR in their environment). */
  reportDirectory: string;
  /** Writes a file relative to the code directory (`../x` lands beside it, like pipeline/shared). */
  writeFile(name: string, text: string): void;
  writeWiring(wiring: unknown): void;
  remove(): void;
}

/** A team with its own stream and a code directory holding the given files. */
export async function createTestTeam(
  slug: string,
  connection: Connection,
  shardCount: number,
  files: Record<string, string>,
  wiring: Partial<Wiring> & Pick<Wiring, 'functions' | 'triggers'>,
): Promise<TestTeam> {
  const root = mkdtempSync(path.join(os.tmpdir(), `runtime-${slug}-`));
  const codeDirectory = path.join(root, 'code');
  const reportDirectory = path.join(root, 'reports');
  mkdirSync(codeDirectory);
  mkdirSync(reportDirectory);
  const resources = localResources(slug);
  await recreateStream(connection, resources.streamName, shardCount);
  const writeFile = (name: string, text: string) => {
    const file = path.join(codeDirectory, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  };
  for (const [name, text] of Object.entries(files)) writeFile(name, text);
  const writeWiring = (value: unknown) => writeFile('triggers.json', JSON.stringify(value, null, 2));
  writeWiring(wiring);
  return {
    team: { slug, connection, resources, codeDirectory, environment: { REPORT_DIR: reportDirectory } },
    reportDirectory,
    writeFile,
    writeWiring,
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** Puts records (data = the given strings) with PutRecords, 500 at a time; returns their sequence numbers. */
export async function putRecords(connection: Connection, streamName: string, items: Array<{ data: string; partitionKey: string }>): Promise<string[]> {
  const client = kinesisClient(connection);
  const sequenceNumbers: string[] = [];
  for (let start = 0; start < items.length; start += 500) {
    const chunk = items.slice(start, start + 500);
    const output = await client.send(
      new PutRecordsCommand({
        StreamName: streamName,
        Records: chunk.map((item) => ({ Data: Buffer.from(item.data), PartitionKey: item.partitionKey })),
      }),
    );
    if (output.FailedRecordCount) throw new Error(`${output.FailedRecordCount} records failed`);
    for (const record of output.Records ?? []) sequenceNumbers.push(record.SequenceNumber!);
  }
  return sequenceNumbers;
}

/** Every JSON report a handler wrote into the directory (one file per invocation). */
export function readReports<T>(directory: string): T[] {
  return readdirSync(directory)
    .filter((name) => name.endsWith('.json'))
    .map((name) => JSON.parse(readFileSync(path.join(directory, name), 'utf8')) as T);
}

/**
 * A handler that reports each invocation as `<REPORT_DIR>/<requestId>.json` (written whole, by rename) with its records'
 * sequence numbers, arrival times, shard, start/end times and outcome; `body` runs before the report
 * is written (it may throw or wait); `label` is a TypeScript expression (e.g. an imported constant).
 */
export function reportingHandler(options: { label?: string; body?: string; imports?: string } = {}): string {
  const label = options.label ?? "''";
  return `
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
${options.imports ?? ''}
export const handler = async (event: any, context: any) => {
  const started = Date.now();
  const records = event.Records.map((record: any) => record.kinesis?.sequenceNumber ?? record.dynamodb?.SequenceNumber);
  const shardId = event.Records[0].eventID.split(':')[0];
  let outcome = 'success';
  try {
    ${options.body ?? ''}
  } catch (error) {
    outcome = 'error';
    throw error;
  } finally {
    const report = path.join(process.env.REPORT_DIR!, context.awsRequestId + '.json');
    writeFileSync(report + '.tmp', JSON.stringify({
      label: ${label}, requestId: context.awsRequestId, fn: context.functionName, shardId, records,
      arrivals: event.Records.map((record: any) => record.kinesis?.approximateArrivalTimestamp),
      started, ended: Date.now(), outcome, remaining: context.getRemainingTimeInMillis(),
    }));
    renameSync(report + '.tmp', report);
  }
};
`;
}

export interface Report {
  label: string;
  requestId: string;
  fn: string;
  shardId: string;
  records: string[];
  arrivals: number[];
  started: number;
  ended: number;
  outcome: 'success' | 'error';
  remaining: number;
}

/** A trigger from the team's Kinesis stream, TRIM_HORIZON, batches of 100, no window, retrying forever; `settings` override. */
export function streamTrigger(fn: TriggerConfig['function'], settings: Partial<TriggerConfig> = {}): TriggerConfig {
  return {
    function: fn,
    source: 'IncomingDataStream',
    batchSize: 100,
    startingPosition: 'TRIM_HORIZON',
    maximumBatchingWindowInSeconds: 0,
    maximumRetryAttempts: -1,
    ...settings,
  };
}
