/**
 * Starting the local emulators: Amazon's DynamoDB Local (from the amplify-dynamodb-simulator package)
 * and kinesalite for Kinesis, each as a supervised child process listening on 127.0.0.1 only
 * (through a small launcher of ours for each), waiting until each answers.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { dynamoDbClient, kinesisClient } from '../aws/clients';
import { type ManagedProcess, startNodeModule, startProcess } from './processes';

const require = createRequire(import.meta.url);
const here = import.meta.dirname;
export const LOCAL_REGION = 'us-east-1';

function dynamoDbLocalDirectory(): string {
  return path.join(path.dirname(require.resolve('amplify-dynamodb-simulator/package.json')), 'emulator');
}

export interface Emulator {
  process: ManagedProcess;
  endpoint: string;
  port: number;
}

export interface DynamoDbLocalOptions {
  port: number;
  /** Keep data on disk in this directory, durably; in memory when neither this nor `scratchDirectory` is given. */
  dataDirectory?: string;
  /**
   * Keep data on disk in this directory as scratch data: emptied first (the tables start empty at
   * every start) and written without waiting for the disk. Bounds the process's memory, which an
   * in-memory database grows by about 1.7 KB per message of a team's pipeline, at about the
   * in-memory write rate (see DEVELOPERS.md).
   */
  scratchDirectory?: string;
  logFile?: string;
  /** Java heap limit, e.g. "512m". */
  maxHeap?: string;
}

/** Polls `probe` until it resolves, the process exits, or the timeout passes. */
export async function waitUntilReady(emulator: { process: ManagedProcess }, probe: () => Promise<unknown>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (!emulator.process.running) {
      throw new Error(`${what} exited while starting:\n${emulator.process.recentOutput()}`);
    }
    try {
      await probe();
      return;
    } catch (error) {
      lastError = error;
      await sleep(150);
    }
  }
  await emulator.process.stop();
  throw new Error(`${what} did not answer within ${timeoutMs / 1000} s (${String(lastError)}):\n${emulator.process.recentOutput()}`);
}

/** DynamoDB Local's launcher of ours (it listens on 127.0.0.1 only; see the file). */
const LAUNCHER_SOURCE = path.join(here, 'LoopbackDynamoDbLocal.java');
/** Where the launcher, once compiled by its first start, is kept (per launcher source and DynamoDB Local jar). */
const LAUNCHER_CACHE = path.resolve(here, '../../node_modules/.cache/dynamodb-local-launcher');

/** Java arguments that run the launcher: its compiled class when cached, else the source file (which then caches itself). */
function launcherArguments(jar: string): string[] {
  const key = createHash('sha256')
    .update(readFileSync(LAUNCHER_SOURCE))
    .update(`${jar}:${statSync(jar).size}`)
    .digest('hex')
    .slice(0, 16);
  const compiled = path.join(LAUNCHER_CACHE, key);
  if (existsSync(path.join(compiled, 'LoopbackDynamoDbLocal.class'))) return ['-cp', `${jar}${path.delimiter}${compiled}`, 'LoopbackDynamoDbLocal'];
  return [`-Dlauncher.cache=${compiled}`, `-Dlauncher.source=${LAUNCHER_SOURCE}`, '-cp', jar, LAUNCHER_SOURCE];
}

/** Starts one DynamoDB Local process on 127.0.0.1 (shared database, so every client sees the same tables). */
export async function startDynamoDbLocal(name: string, options: DynamoDbLocalOptions): Promise<Emulator> {
  const directory = dynamoDbLocalDirectory();
  let storage = ['-inMemory'];
  if (options.scratchDirectory) {
    rmSync(options.scratchDirectory, { recursive: true, force: true });
    mkdirSync(options.scratchDirectory, { recursive: true });
    storage = ['-dbPath', options.scratchDirectory];
  } else if (options.dataDirectory) {
    storage = ['-dbPath', options.dataDirectory];
  }
  const args = [
    `-Xmx${options.maxHeap ?? '768m'}`,
    '-XX:+UseSerialGC',
    ...(options.scratchDirectory ? ['-Dlauncher.scratchDisk=true'] : []),
    `-Djava.library.path=${path.join(directory, 'DynamoDBLocal_lib')}`,
    ...launcherArguments(path.join(directory, 'DynamoDBLocal.jar')),
    ...storage,
    '-sharedDb',
    '-disableTelemetry',
    '-port',
    String(options.port),
  ];
  const managed = startProcess(name, 'java', args, { logFile: options.logFile, cwd: directory });
  const emulator = { process: managed, endpoint: `http://127.0.0.1:${options.port}`, port: options.port };
  const client = dynamoDbClient({ region: LOCAL_REGION, dynamodbEndpoint: emulator.endpoint });
  await waitUntilReady(emulator, () => client.send(new ListTablesCommand({ Limit: 1 })), `DynamoDB Local (${name}, port ${options.port})`);
  return emulator;
}

export interface KinesisEmulatorOptions {
  port: number;
  logFile?: string;
  /**
   * Keep the records on disk here (emptied first: nothing outlives a run) instead of in memory.
   * kinesalite keeps every record for the 24 h retention, ~1 GB of memory per 1.2 M records.
   */
  dataDirectory?: string;
}

/** Starts the Kinesis emulator (kinesalite on 127.0.0.1; streams become ACTIVE at once). */
export async function startKinesisEmulator(name: string, options: KinesisEmulatorOptions): Promise<Emulator> {
  const storage: string[] = [];
  if (options.dataDirectory) {
    rmSync(options.dataDirectory, { recursive: true, force: true });
    mkdirSync(options.dataDirectory, { recursive: true });
    storage.push('--path', options.dataDirectory);
  }
  const managed = startNodeModule(name, path.join(here, 'kinesalite-server.ts'), ['--port', String(options.port), ...storage], {
    logFile: options.logFile,
    cwd: path.resolve(here, '../..'),
  });
  const emulator = { process: managed, endpoint: `http://127.0.0.1:${options.port}`, port: options.port };
  const client = kinesisClient({ region: LOCAL_REGION, kinesisEndpoint: emulator.endpoint });
  await waitUntilReady(emulator, () => client.send(new ListStreamsCommand({ Limit: 1 })), `Kinesis emulator (port ${options.port})`);
  return emulator;
}
