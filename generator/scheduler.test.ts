/**
 * The scheduler against real emulators and a real organiser store: teams run concurrently and in
 * isolation, commands, lab progression, stop, a crash (kill -9) and restart, two schedulers at once.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeleteTableCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection } from '@/lib/aws/clients';
import { dynamoDbClient } from '@/lib/aws/clients';
import { type Emulator, LOCAL_REGION, startDynamoDbLocal, startKinesisEmulator } from '@/lib/local/emulators';
import { freePort } from '@/lib/local/ports';
import { type ManagedProcess, startNodeModule } from '@/lib/local/processes';
import { createTables, recreateStream } from '@/lib/local/team-resources';
import { type LocalTeamStack, startLocalTeam } from '@/lib/local/team-stack';
import { DEFAULT_RESOURCES, type PipelineResources } from '@/lib/pipeline-resources';
import { OrganiserStore } from '@/lib/store/organiser-store';
import { newLocalTeam } from '@/lib/store/team-records';
import type { Round, Team } from '@/lib/store/types';
import { INTERRUPTED_REASON, Scheduler, STOPPED_REASON } from './scheduler';
import { TestPipeline } from './test-support/test-pipeline';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULTS = { roundIntervalSeconds: 3600, roundMessages: 1000, roundDeadlineSeconds: 4 };

let organiserDb: Emulator;
let kinesis: Emulator;
let healthy: LocalTeamStack;
let broken: LocalTeamStack;
/** A team whose pipeline never writes: every round lasts until its deadline. */
let hanging: { connection: Connection; resources: PipelineResources };
let pipeline: TestPipeline;
const children: ManagedProcess[] = [];

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function storeFor(table: string, defaults = DEFAULTS): OrganiserStore {
  return new OrganiserStore({ region: LOCAL_REGION, dynamodbEndpoint: organiserDb.endpoint }, table, defaults);
}

function readyTeam(slug: string, connection: Connection, resources: PipelineResources): Team {
  const team = newLocalTeam(slug, slug, 'solution', LOCAL_REGION);
  return { ...team, connection, resources, local: { pipeline: 'solution', status: 'ready' } };
}

/** A fresh organiser table with the three teams. */
async function storeWithTeams(table: string, defaults = DEFAULTS): Promise<OrganiserStore> {
  const store = storeFor(table, defaults);
  await store.ensureTable();
  await store.createTeam(readyTeam('healthy', healthy.connection, healthy.resources));
  await store.createTeam(readyTeam('broken', broken.connection, broken.resources));
  await store.createTeam(readyTeam('hanging', hanging.connection, hanging.resources));
  return store;
}

async function closedRounds(store: OrganiserStore, team: string): Promise<Round[]> {
  return (await store.listRounds(team, { after: 0 })).filter((round) => round.status !== 'running');
}

function startSchedulerProcess(name: string, table: string, lines: string[], env: Record<string, string> = {}): ManagedProcess {
  const child = startNodeModule(name, path.join(root, 'generator/scheduler-main.ts'), [], {
    cwd: root,
    env: {
      ...process.env,
      ORGANISER_STORE_ENDPOINT: organiserDb.endpoint,
      ORGANISER_TABLE: table,
      AWS_REGION: LOCAL_REGION,
      ROUND_INTERVAL_SECONDS: '2',
      ROUND_MESSAGES: '500',
      ROUND_DEADLINE_SECONDS: '4',
      ...env,
    },
    onLine: (line) => lines.push(`${name}: ${line}`),
  });
  children.push(child);
  return child;
}

beforeAll(async () => {
  [organiserDb, kinesis] = await Promise.all([
    startDynamoDbLocal('organiser-scheduler-test', { port: await freePort(), maxHeap: '256m' }),
    startKinesisEmulator('kinesis-scheduler-test', { port: await freePort() }),
  ]);
  [healthy, broken] = await Promise.all([
    startLocalTeam({ slug: 'healthy', port: await freePort(), kinesisEndpoint: kinesis.endpoint, shardCount: 2 }),
    startLocalTeam({ slug: 'broken', port: await freePort(), kinesisEndpoint: kinesis.endpoint, shardCount: 2 }),
  ]);
  hanging = {
    connection: broken.connection,
    resources: {
      ...DEFAULT_RESOURCES,
      streamName: 'hanging-stream',
      stateTable: 'HangingState',
      reduceTable: 'HangingReduce',
      aggregateTable: 'HangingAggregate',
      parameterTable: 'HangingParameter',
    },
  };
  await createTables(hanging.connection, hanging.resources);
  await recreateStream(hanging.connection, hanging.resources.streamName, 2);
  await dynamoDbClient(broken.connection).send(new DeleteTableCommand({ TableName: broken.resources.aggregateTable }));
  pipeline = await TestPipeline.start({ connection: healthy.connection, resources: healthy.resources });
});

afterAll(async () => {
  await Promise.all(children.map((child) => child.stop()));
  await pipeline?.stop();
  await Promise.all([healthy?.stop(), broken?.stop()]);
  await Promise.all([kinesis?.process.stop(), organiserDb?.process.stop()]);
});

describe('the scheduler in this process', () => {
  let store: OrganiserStore;
  let scheduler: Scheduler;
  const log: string[] = [];

  beforeAll(async () => {
    store = await storeWithTeams('InProcess');
    scheduler = new Scheduler({ store, tickMs: 200, firstRoundDelayMs: 3_600_000, log: (line) => log.push(line) });
    scheduler.start();
    await waitFor('leadership', async () => scheduler.isLeader);
  });

  afterAll(async () => {
    await scheduler?.stop();
  });

  it('runs every team concurrently: a healthy team passes on time while a missing table fails and a silent pipeline hangs', async () => {
    await store.enqueueCommand({ type: 'start-round' });
    const healthyRound = await waitFor('the healthy round', async () => (await closedRounds(store, 'healthy'))[0]);
    const brokenRound = await waitFor('the broken round', async () => (await closedRounds(store, 'broken'))[0]);
    const hangingRunning = await store.listRounds('hanging', { limit: 1 });
    expect(hangingRunning[0]?.status).toBe('running');
    await store.enqueueCommand({ type: 'start-round', teams: ['hanging'] });
    const hangingRound = await waitFor('the hanging round', async () => (await closedRounds(store, 'hanging'))[0]);

    expect(healthyRound).toMatchObject({ status: 'passed', points: 100, lab: 1, counts: { messages: 1000 }, diagnosis: null });
    expect(healthyRound.timeToCorrectMs).toBeGreaterThan(0);
    expect(healthyRound.keys).toHaveLength(18);
    expect(Object.keys(healthyRound.expected!)).toHaveLength(18);
    expect(healthyRound.baseline).toBeDefined();
    expect(Date.parse(healthyRound.endedAt!)).toBeLessThan(Date.parse(hangingRound.endedAt!));
    expect(Date.parse(healthyRound.endedAt!)).toBeLessThan(Date.parse(healthyRound.deadlineAt!));

    expect(brokenRound).toMatchObject({ status: 'failed', points: 0, number: healthyRound.number });
    expect(brokenRound.diagnosis?.code).toBe('missing-table');

    expect(hangingRound).toMatchObject({ status: 'failed', number: healthyRound.number });
    expect(hangingRound.diagnosis?.code).toBe('no-change');
    expect(await store.listRounds('hanging', { after: 0 })).toHaveLength(1);
    expect(log.some((line) => line.includes('skipping hanging: its previous round is still running'))).toBe(true);

    expect((await store.getTeam('healthy'))?.score).toBe(100);
    expect((await store.getTeam('broken'))?.score).toBe(0);
  });

  it('moves a team to Lab 2 at 300 points: special trades and failure percentages in its ParameterTable', async () => {
    for (const expectedScore of [200, 300]) {
      await store.enqueueCommand({ type: 'start-round', teams: ['healthy'] });
      await waitFor(`score ${expectedScore}`, async () => (await store.getTeam('healthy'))?.score === expectedScore);
    }
    expect((await store.getTeam('healthy'))?.lab).toBe(2);
    await store.enqueueCommand({ type: 'start-round', teams: ['healthy'] });
    await waitFor('a Lab 2 round', async () => (await closedRounds(store, 'healthy')).find((round) => round.lab === 2));
    const labTwo = (await closedRounds(store, 'healthy')).find((round) => round.lab === 2)!;
    expect(labTwo.status).toBe('passed');
    expect(labTwo.counts!.duplicates).toBe(125);
    const parameter = await dynamoDbClient(healthy.connection).send(
      new GetItemCommand({ TableName: healthy.resources.parameterTable, Key: { parameter: { S: 'FAILURE_REDUCE_LAMBDA_PCT' } } }),
    );
    expect(parameter.Item?.value).toEqual({ N: '10' });
    expect((await store.getTeam('healthy'))?.score).toBe(400);
  });

  it('counts down to the next round in the settings and stops cleanly: running rounds void, lease released', async () => {
    await store.updateSettings({ roundIntervalSeconds: 1 });
    await waitFor('a timed round', async () => (await store.listRounds('hanging', { limit: 1 }))[0]?.status === 'running');
    expect((await store.getSettings()).nextRoundAt).not.toBeNull();
    await scheduler.stop();
    const [last] = await store.listRounds('hanging', { limit: 1 });
    expect(last).toMatchObject({ status: 'void', voidReason: STOPPED_REASON, points: 0 });
    expect((await store.getSettings()).nextRoundAt).toBeNull();
    expect(await store.listRunningRounds()).toEqual([]);
    expect(await store.acquireLease('someone-else', 1000)).toBe(true);
    await store.releaseLease('someone-else');
  });
});

describe('scheduler processes', () => {
  it('after kill -9 mid-round and a restart, the interrupted round is void and no point is lost or awarded twice', async () => {
    const store = await storeWithTeams('CrashTest');
    const lines: string[] = [];
    const first = startSchedulerProcess('scheduler-a', 'CrashTest', lines);
    await waitFor('a passed round', async () => (await closedRounds(store, 'healthy')).some((round) => round.status === 'passed'), 90_000);
    const interrupted = await waitFor('a round in progress', async () => {
      const [latest] = await store.listRounds('hanging', { limit: 1 });
      return latest?.status === 'running' && latest.sentAt ? latest : null;
    });
    first.killNow();
    await first.exited;
    const scoreAtCrash = (await store.getTeam('healthy'))!.score;
    expect(scoreAtCrash).toBeGreaterThanOrEqual(100);

    const second = startSchedulerProcess('scheduler-b', 'CrashTest', lines);
    const voided = await waitFor(
      'the interrupted round closed',
      async () => {
        const round = await store.getRound('hanging', interrupted.number);
        return round?.status !== 'running' ? round : null;
      },
      60_000,
    );
    expect(voided).toMatchObject({ status: 'void', voidReason: INTERRUPTED_REASON, points: 0 });
    await waitFor(
      'a passed round after the restart',
      async () => (await closedRounds(store, 'healthy')).some((round) => round.status === 'passed' && round.number > interrupted.number),
      60_000,
    );
    await second.stop();

    expect(await store.listRunningRounds()).toEqual([]);
    for (const slug of ['healthy', 'broken', 'hanging']) {
      const rounds = await store.listRounds(slug, { after: 0 });
      expect(rounds.every((round) => round.status !== 'running')).toBe(true);
      const earned = rounds.reduce((sum, round) => sum + round.points, 0);
      expect((await store.getTeam(slug))!.score).toBe(earned);
      expect(earned).toBe(rounds.filter((round) => round.status === 'passed').length * 100);
    }
    expect((await store.getTeam('healthy'))!.score).toBeGreaterThan(scoreAtCrash);
  });

  it('two schedulers started together run each round once', async () => {
    const store = await storeWithTeams('TwoSchedulers');
    const lines: string[] = [];
    const a = startSchedulerProcess('scheduler-a', 'TwoSchedulers', lines);
    const b = startSchedulerProcess('scheduler-b', 'TwoSchedulers', lines);
    const started = Date.now();
    await waitFor('three healthy rounds', async () => (await closedRounds(store, 'healthy')).length >= 3, 90_000);
    const leaders = lines.filter((line) => line.includes('leads the rounds'));
    expect(leaders).toHaveLength(1);
    const [leader, follower] = leaders[0]?.startsWith('scheduler-a') ? [a, b] : [b, a];
    await follower.stop();
    await leader.stop();
    const elapsedSeconds = (Date.now() - started) / 1000;

    const rounds = await store.listRounds('healthy', { after: 0 });
    expect(new Set(rounds.map((round) => round.number)).size).toBe(rounds.length);
    for (let index = 1; index < rounds.length; index++) {
      expect(Date.parse(rounds[index]!.startedAt)).toBeGreaterThanOrEqual(Date.parse(rounds[index - 1]!.endedAt!));
    }
    expect(rounds.length).toBeLessThanOrEqual(Math.ceil(elapsedSeconds / 2) + 1);
    const hangingRounds = await store.listRounds('hanging', { after: 0 });
    expect(new Set(hangingRounds.map((round) => round.number)).size).toBe(hangingRounds.length);
  });
});
