/**
 * Local teams follow the organiser store: a team added to the store gets its own DynamoDB Local
 * with fresh tables and its stream, registered with the function runtime; a reset restarts that
 * process with empty tables; a DynamoDB Local that dies is restarted; a removed team's resources
 * stop and the runtime forgets it. A team's tables live on disk (so its DynamoDB Local's memory does
 * not grow over an event) and start empty all the same.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ListTablesCommand, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@/testing/eventually';
import { dynamoDbFixture, kinesisFixture } from '@/testing/fixtures';
import { freshOrganiserStore } from '@/testing/organiser-store';
import { type Connection, dynamoDbClient, kinesisClient } from '../aws/clients';
import type { OrganiserStore } from '../store/organiser-store';
import { newLocalTeam } from '../store/team-records';
import type { Team } from '../store/types';
import { LOCAL_REGION, waitUntilReady } from './emulators';
import { LocalTeamManager } from './local-teams';
import { freePort } from './ports';
import { commandLine, descendantsOf } from './process-tree';
import { type ManagedProcess, startNodeModule } from './processes';
import { RuntimeChannel } from './runtime-channel';

const root = path.resolve(import.meta.dirname, '../..');
const organiserDb = dynamoDbFixture();
const kinesis = kinesisFixture();
let runtime: ManagedProcess;
let runtimeUrl: string;
let store: OrganiserStore;
let manager: LocalTeamManager;
let workDirectory: string;

beforeAll(async () => {
  store = await freshOrganiserStore(organiserDb(), 'LocalTeams');
  const runtimePort = await freePort();
  runtimeUrl = `http://127.0.0.1:${runtimePort}`;
  runtime = startNodeModule('runtime-local-teams-test', path.join(root, 'lib/runtime/process/main.ts'), ['--port', String(runtimePort)], {
    ipc: true,
    cwd: root,
  });
  await waitUntilReady(
    { process: runtime },
    () => fetch(`${runtimeUrl}/health`).then((response) => (response.ok ? undefined : Promise.reject(new Error('not yet')))),
    'runtime',
  );
  workDirectory = mkdtempSync(path.join(os.tmpdir(), 'local-teams-test-'));
  manager = new LocalTeamManager({
    store,
    runtime: new RuntimeChannel(runtime.child),
    kinesisEndpoint: kinesis().endpoint,
    shardCount: 2,
    // The first port tried is one the OS reports free; the manager skips any taken after it.
    portBase: await freePort(),
    reservedPorts: [],
    logDirectory: workDirectory,
    tablesDirectory: path.join(workDirectory, 'teams'),
    codeDirectoryOf: (pipeline) => path.join(root, 'pipeline', pipeline),
  });
});

afterAll(async () => {
  await manager?.stopAll();
  await runtime?.stop();
});

async function reconcile(): Promise<void> {
  await manager.reconcile(await store.listTeams());
}

async function team(slug: string): Promise<Team> {
  const found = await store.getTeam(slug);
  if (!found) throw new Error(`no team ${slug}`);
  return found;
}

async function runtimeTeams(): Promise<string[]> {
  const status = (await (await fetch(`${runtimeUrl}/status`)).json()) as { teams: Record<string, unknown> };
  return Object.keys(status.teams);
}

async function aggregateItems(connection: Connection): Promise<number> {
  const result = await dynamoDbClient(connection).send(new ScanCommand({ TableName: 'AggregateTable' }));
  return result.Count ?? 0;
}

/** The pid of the DynamoDB Local process listening on a port (a descendant of this test process). */
function dynamoDbPid(endpoint: string): number | undefined {
  const port = new URL(endpoint).port;
  return descendantsOf(process.pid).find((candidate) => commandLine(candidate).join(' ').includes(`-port ${port}`));
}

describe('local teams follow the organiser store', () => {
  it('starts a new team, resets it to empty tables, restarts it after a crash, and stops it on removal', async () => {
    await store.createTeam(newLocalTeam('blue', 'Blue', 'solution', LOCAL_REGION));
    await reconcile();
    const started = await team('blue');
    expect(started.local?.status).toBe('ready');
    const connection = { ...started.connection, kinesisEndpoint: kinesis().endpoint };
    const tables = await dynamoDbClient(connection).send(new ListTablesCommand({}));
    expect(tables.TableNames?.sort()).toEqual(['AggregateTable', 'ParameterTable', 'ReduceTable', 'StateTable']);
    const stream = await kinesisClient(connection).send(new DescribeStreamSummaryCommand({ StreamName: 'blue-IncomingDataStream' }));
    expect(stream.StreamDescriptionSummary?.OpenShardCount).toBe(2);
    expect(await runtimeTeams()).toContain('blue');

    await dynamoDbClient(connection).send(new PutItemCommand({ TableName: 'AggregateTable', Item: { Identifier: { S: 'PV' }, Value: { N: '12.34' } } }));
    expect(await aggregateItems(connection)).toBe(1);
    expect(existsSync(path.join(workDirectory, 'teams', 'blue', 'shared-local-instance.db'))).toBe(true);
    expect(commandLine(dynamoDbPid(started.connection.dynamodbEndpoint!)!)).toContain('-Dlauncher.scratchDisk=true');
    const firstProcess = dynamoDbPid(started.connection.dynamodbEndpoint!);
    expect(firstProcess).toBeDefined();

    const requested = await store.requestReset('blue');
    await reconcile();
    const reset = await team('blue');
    expect(reset.local?.status).toBe('ready');
    expect(reset.local?.resetDoneAt).toBe(requested.local?.resetRequestedAt);
    expect(dynamoDbPid(reset.connection.dynamodbEndpoint!)).not.toBe(firstProcess);
    expect(await aggregateItems({ ...reset.connection })).toBe(0);

    const beforeCrash = dynamoDbPid(reset.connection.dynamodbEndpoint!)!;
    process.kill(beforeCrash, 'SIGKILL');
    const restarted = await eventually(
      'the team ready on a new DynamoDB Local process',
      () => team('blue'),
      (current) => {
        const pid = current.local?.status === 'ready' ? dynamoDbPid(current.connection.dynamodbEndpoint!) : undefined;
        return pid !== undefined && pid !== beforeCrash;
      },
    );
    expect(restarted.local?.status).toBe('ready');
    expect(await aggregateItems(restarted.connection)).toBe(0);

    const endpoint = restarted.connection.dynamodbEndpoint!;
    await store.deleteTeam('blue');
    await reconcile();
    expect(await runtimeTeams()).not.toContain('blue');
    await expect(dynamoDbClient({ region: LOCAL_REGION, dynamodbEndpoint: endpoint }).send(new ListTablesCommand({}))).rejects.toThrow();
    await expect(kinesisClient(connection).send(new DescribeStreamSummaryCommand({ StreamName: 'blue-IncomingDataStream' }))).rejects.toThrow(/not found/);
  });
});
