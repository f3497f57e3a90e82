/**
 * The scheduler against real emulators, a real organiser store and a real pipeline (the reference
 * solution run by the local function runtime): teams run concurrently and in isolation, commands,
 * lab progression, pausing and inactive teams, a team deleted mid-round, stopping, the lease (a
 * holder whose lease lapsed cannot close a round; a standby process takes over after kill -9 of the
 * leader), and two schedulers at once. Rounds get a generous deadline: the point here is never speed.
 */
import path from 'node:path';
import { DeleteTableCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { dynamoDbClient } from '@/lib/aws/clients';
import { type ManagedProcess, startNodeModule } from '@/lib/local/processes';
import { createTables, recreateStream } from '@/lib/local/team-resources';
import { DEFAULT_RESOURCES, type PipelineResources } from '@/lib/pipeline-resources';
import type { OrganiserStore, SettingsDefaults } from '@/lib/store/organiser-store';
import type { Round } from '@/lib/store/types';
import { startTeam } from '@/testing/emulators';
import { eventually } from '@/testing/eventually';
import { dynamoDbFixture, fixture, kinesisFixture, pipelineTeamFixture, runtimeFixture } from '@/testing/fixtures';
import { freshOrganiserStore, readyLocalTeam } from '@/testing/organiser-store';
import { REFERENCE_SOLUTION } from '@/testing/pipeline-team';
import { makeRound } from './messages';
import { roundSeed } from './random';
import { INTERRUPTED_REASON, Scheduler, STOPPED_REASON } from './scheduler';

const repository = path.resolve(import.meta.dirname, '..');
/** Generous: a round of the reference solution ends long before; only a silent pipeline waits it out. */
const DEADLINE_SECONDS = 60;
const MESSAGES = 300;
const ROUNDS: Partial<SettingsDefaults> = { roundMessages: MESSAGES, roundDeadlineSeconds: DEADLINE_SECONDS };

const kinesis = kinesisFixture();
const organiserDb = dynamoDbFixture();
const runtime = runtimeFixture();
/** The reference solution: every round passes. */
const healthy = pipelineTeamFixture(runtime, kinesis, 'healthy', { codeDirectory: REFERENCE_SOLUTION, shardCount: 2 });
/** Its AggregateTable was deleted: every round fails at once (missing-table). */
const broken = fixture(
  'team broken',
  async () => {
    const stack = await startTeam('broken', kinesis().endpoint, 2);
    await dynamoDbClient(stack.connection).send(new DeleteTableCommand({ TableName: stack.resources.aggregateTable }));
    return stack;
  },
  (stack) => stack.stop(),
);
/** Tables and a stream that nothing reads (in broken's DynamoDB Local): every round lasts until its deadline. */
const hanging = fixture(
  'team hanging',
  async () => {
    const resources: PipelineResources = {
      ...DEFAULT_RESOURCES,
      streamName: 'hanging-stream',
      stateTable: 'HangingState',
      reduceTable: 'HangingReduce',
      aggregateTable: 'HangingAggregate',
      parameterTable: 'HangingParameter',
    };
    const { connection } = broken();
    await createTables(connection, resources);
    await recreateStream(connection, resources.streamName, 2);
    return { slug: 'hanging', connection, resources };
  },
  async () => undefined,
);

// A round stopped or voided mid-way leaves records the pipeline still works through: the next test
// starts once it is idle, so its rounds' baselines are read from a table that no longer moves.
beforeEach(async () => {
  await healthy().settled();
});

type Kind = 'healthy' | 'broken' | 'hanging';
type Slugs = Record<Kind, string>;

/**
 * A fresh organiser store holding the three teams, named `<prefix>-healthy`… : round seeds come from
 * each store's own secret, so each store's rounds send trades the shared pipeline has not seen.
 */
async function storeWithTeams(prefix: string, kinds: readonly Kind[] = ['healthy', 'broken', 'hanging']): Promise<{ store: OrganiserStore; slugs: Slugs }> {
  const store = await freshOrganiserStore(organiserDb(), prefix, ROUNDS);
  const slugs: Slugs = { healthy: `${prefix}-healthy`, broken: `${prefix}-broken`, hanging: `${prefix}-hanging` };
  const stacks = { healthy: healthy().stack, broken: broken(), hanging: hanging() };
  for (const kind of kinds) await store.createTeam(readyLocalTeam(stacks[kind], { slug: slugs[kind] }));
  return { store, slugs };
}

async function closedRounds(store: OrganiserStore, team: string): Promise<Round[]> {
  return (await store.listRounds(team, { after: 0 })).filter((round) => round.status !== 'running');
}

function linesWith(lines: readonly string[], text: string): string[] {
  return lines.filter((line) => line.includes(text));
}

describe('the scheduler in this process', () => {
  const log: string[] = [];
  const inProcess = fixture(
    'the in-process scheduler',
    async () => {
      const { store, slugs } = await storeWithTeams('inproc');
      const scheduler = new Scheduler({ store, tickMs: 200, firstRoundDelayMs: 3_600_000, log: (line) => log.push(line) });
      scheduler.start();
      await eventually('the scheduler to lead', () => scheduler.isLeader);
      return { store, slugs, scheduler };
    },
    ({ scheduler }) => scheduler.stop(),
  );

  it('runs every team concurrently: a healthy team passes and a missing table fails while a silent pipeline still runs', async () => {
    const { store, slugs } = inProcess();
    await store.enqueueCommand({ type: 'start-round' });
    const [healthyRound] = await eventually(
      'the healthy round to close',
      () => closedRounds(store, slugs.healthy),
      (rounds) => rounds.length > 0,
    );
    const [brokenRound] = await eventually(
      'the broken round to close',
      () => closedRounds(store, slugs.broken),
      (rounds) => rounds.length > 0,
    );
    const [hangingRound] = await store.listRounds(slugs.hanging, { after: 0 });
    expect(hangingRound).toMatchObject({ status: 'running', number: healthyRound?.number });

    await store.enqueueCommand({ type: 'start-round', teams: [slugs.hanging] });
    await eventually(
      'the scheduler to skip the running team',
      () => linesWith(log, `skipping ${slugs.hanging}: its previous round is still running`),
      (lines) => lines.length > 0,
    );
    expect(await store.listRounds(slugs.hanging, { after: 0 })).toHaveLength(1);

    expect(healthyRound).toMatchObject({ status: 'passed', points: 100, lab: 1, counts: { messages: MESSAGES }, diagnosis: null });
    expect(healthyRound?.timeToCorrectMs).toBeGreaterThan(0);
    expect(healthyRound?.keys).toHaveLength(18);
    expect(Object.keys(healthyRound?.expected ?? {})).toHaveLength(18);
    expect(healthyRound?.baseline).toBeDefined();
    expect(brokenRound).toMatchObject({ status: 'failed', points: 0, number: healthyRound?.number, diagnosis: { code: 'missing-table' } });
    expect((await store.getTeam(slugs.healthy))?.score).toBe(100);
    expect((await store.getTeam(slugs.broken))?.score).toBe(0);
  });

  it('moves a team to Lab 2 at 300 points: duplicates in its rounds and failure percentages in its ParameterTable', async () => {
    const { store, slugs } = inProcess();
    for (const score of [200, 300]) {
      await store.enqueueCommand({ type: 'start-round', teams: [slugs.healthy] });
      await eventually(
        `score ${score}`,
        () => store.getTeam(slugs.healthy),
        (team) => team?.score === score,
      );
    }
    expect((await store.getTeam(slugs.healthy))?.lab).toBe(2);
    await store.enqueueCommand({ type: 'start-round', teams: [slugs.healthy] });
    const labTwo = await eventually('a Lab 2 round to close', async () => (await closedRounds(store, slugs.healthy)).find((round) => round.lab === 2));
    expect(labTwo.status).toBe('passed');
    expect(labTwo.seed).toBe(roundSeed(await store.roundSeedSecret(), slugs.healthy, labTwo.number));
    expect(labTwo.counts?.duplicates).toBe(makeRound({ seed: labTwo.seed, lab: 2, messages: MESSAGES }).counts.duplicates);
    expect(labTwo.counts?.duplicates).toBeGreaterThan(0);
    const { connection, resources } = healthy().stack;
    const parameter = await dynamoDbClient(connection).send(
      new GetItemCommand({ TableName: resources.parameterTable, Key: { parameter: { S: 'FAILURE_REDUCE_LAMBDA_PCT' } } }),
    );
    expect(parameter.Item?.value).toEqual({ N: '10' });
    expect((await store.getTeam(slugs.healthy))?.score).toBe(400);
  });

  it('counts down to the next round in the settings and stops cleanly: running rounds void, lease released', async () => {
    const { store, slugs, scheduler } = inProcess();
    const before = (await store.listRounds(slugs.broken, { after: 0 })).length;
    await store.updateSettings({ roundIntervalSeconds: 1 });
    await eventually(
      'a timed round',
      () => store.listRounds(slugs.broken, { after: 0 }),
      (rounds) => rounds.length > before,
    );
    expect((await store.getSettings()).nextRoundAt).not.toBeNull();
    await scheduler.stop();
    const [last] = await store.listRounds(slugs.hanging, { limit: 1 });
    expect(last).toMatchObject({ status: 'void', voidReason: STOPPED_REASON, points: 0 });
    expect((await store.getSettings()).nextRoundAt).toBeNull();
    expect(await store.listRunningRounds()).toEqual([]);
    expect(await store.acquireLease('someone-else', 1000)).toBe(true);
    await store.releaseLease('someone-else');
  });
});

describe('which teams get rounds', () => {
  it('no timed round while the workshop is paused, and none for an inactive team', async () => {
    const { store, slugs } = await storeWithTeams('paused', ['broken']);
    await store.createTeam({ ...readyLocalTeam(broken(), { slug: 'paused-inactive' }), active: false });
    await store.updateSettings({ paused: true });
    // Ticked by hand: with no delay before the first round, each tick as leader is due to start one.
    const scheduler = new Scheduler({ store, firstRoundDelayMs: 0, log: () => undefined });
    try {
      await scheduler.tick();
      expect(scheduler.isLeader).toBe(true);
      expect(await store.listRounds(slugs.broken, { after: 0 })).toEqual([]);
      expect((await store.getSettings()).nextRoundAt).toBeNull();

      await store.updateSettings({ paused: false });
      await scheduler.tick();
      await scheduler.settled();
      expect(await store.listRounds(slugs.broken, { after: 0 })).toMatchObject([{ status: 'failed', diagnosis: { code: 'missing-table' } }]);
      expect(await store.listRounds('paused-inactive', { after: 0 })).toEqual([]);
    } finally {
      await scheduler.stop();
    }
  });

  it('a team deleted mid-round: its round ends without points or marks left behind, and the other team is judged', async () => {
    const { store, slugs } = await storeWithTeams('deleted', ['healthy', 'broken']);
    const log: string[] = [];
    const scheduler = new Scheduler({ store, firstRoundDelayMs: 0, log: (line) => log.push(line) });
    try {
      await scheduler.tick();
      // The reference solution's round cannot close before its 1.5 s confirmation: it is still running here.
      await eventually(
        'the healthy team to be mid-round',
        () => store.listRounds(slugs.healthy, { after: 0 }),
        (rounds) => rounds[0]?.status === 'running',
      );
      expect(await store.deleteTeam(slugs.healthy)).toBe(true);
      await scheduler.settled();

      expect(await store.listRounds(slugs.healthy, { after: 0 })).toEqual([]);
      expect((await store.listRunningRounds()).filter((mark) => mark.team.startsWith('deleted-'))).toEqual([]);
      expect(linesWith(log, 'could not be closed')).toEqual([]);
      expect(await store.listRounds(slugs.broken, { after: 0 })).toMatchObject([{ status: 'failed', diagnosis: { code: 'missing-table' } }]);
      // A team registered again under the slug starts from nothing: the deleted team's round awarded no points to it.
      await store.createTeam(readyLocalTeam(healthy().stack, { slug: slugs.healthy }));
      expect((await store.getTeam(slugs.healthy))?.score).toBe(0);
      expect(scheduler.isLeader).toBe(true);
    } finally {
      await scheduler.stop();
    }
  });
});

describe('the lease', () => {
  it('a scheduler whose lease lapsed cannot close its round; the next leader voids it', async () => {
    const { store, slugs } = await storeWithTeams('stale', ['hanging']);
    await store.updateSettings({ roundDeadlineSeconds: 20 });
    // Ticked once by hand and never again: its 3 s lease lapses long before the round's 20 s deadline.
    const stale = new Scheduler({ store, holder: 'stale', leaseTtlMs: 3000, firstRoundDelayMs: 3_600_000, log: () => undefined });
    await stale.tick();
    const number = await stale.startRounds([slugs.hanging]);
    if (number === null) throw new Error('the stale scheduler started no round');
    await eventually(
      'the round recorded as running',
      () => store.getRound(slugs.hanging, number),
      (round) => round?.status === 'running',
    );
    await eventually('another holder to take the lapsed lease', () => store.acquireLease('usurper', 60_000));
    await stale.settled();
    expect(await store.getRound(slugs.hanging, number)).toMatchObject({ status: 'running' });
    expect(await store.listRunningRounds()).toEqual([{ team: slugs.hanging, number }]);

    await store.releaseLease('usurper');
    const next = new Scheduler({ store, holder: 'next', firstRoundDelayMs: 3_600_000, log: () => undefined });
    try {
      await next.tick();
      expect(await store.getRound(slugs.hanging, number)).toMatchObject({ status: 'void', voidReason: INTERRUPTED_REASON, points: 0 });
      expect(await store.listRunningRounds()).toEqual([]);
    } finally {
      await next.stop();
      await stale.stop();
    }
  });
});

describe('scheduler processes', () => {
  const children: ManagedProcess[] = [];
  afterAll(() => Promise.all(children.map((child) => child.stop())));

  /** A short lease where a takeover is the point; long enough elsewhere that a leader stalled by a busy machine keeps it. */
  function startSchedulerProcess(name: string, store: OrganiserStore, lines: string[], leaseTtlMs = 3000): ManagedProcess {
    const child = startNodeModule(name, path.join(repository, 'generator/scheduler-main.ts'), [], {
      cwd: repository,
      env: {
        ...process.env,
        ORGANISER_STORE_ENDPOINT: organiserDb().endpoint,
        ORGANISER_TABLE: store.tableName,
        AWS_REGION: healthy().stack.connection.region,
        ROUND_INTERVAL_SECONDS: '2',
        ROUND_MESSAGES: String(MESSAGES),
        ROUND_DEADLINE_SECONDS: String(DEADLINE_SECONDS),
        SCHEDULER_LEASE_TTL_MS: String(leaseTtlMs),
        AGENT_STREAM_PORT: '0', // no remote team here; several schedulers run at once
      },
      onLine: (line) => lines.push(`${name}: ${line}`),
    });
    children.push(child);
    return child;
  }

  it('after kill -9 of the leader mid-round, the standby takes over, voids the interrupted round, and no point is lost or awarded twice', async () => {
    const { store, slugs } = await storeWithTeams('failover');
    const lines: string[] = [];
    const processes = { 'scheduler-a': startSchedulerProcess('scheduler-a', store, lines), 'scheduler-b': startSchedulerProcess('scheduler-b', store, lines) };
    const [leading] = await eventually(
      'a leader',
      () => linesWith(lines, 'leads the rounds'),
      (leaders) => leaders.length > 0,
    );
    const leaderName = leading?.startsWith('scheduler-a') ? 'scheduler-a' : 'scheduler-b';
    const standbyName = leaderName === 'scheduler-a' ? 'scheduler-b' : 'scheduler-a';
    await eventually(
      'a passed round',
      () => closedRounds(store, slugs.healthy),
      (rounds) => rounds.some((round) => round.status === 'passed'),
      { timeoutMs: 180_000 },
    );
    const interrupted = await eventually('a round of the silent team in progress', async () => {
      const [latest] = await store.listRounds(slugs.hanging, { limit: 1 });
      return latest?.status === 'running' && latest.sentAt ? latest : null;
    });
    const scoreAtCrash = (await store.getTeam(slugs.healthy))?.score ?? 0;
    expect(scoreAtCrash).toBeGreaterThanOrEqual(100);

    processes[leaderName].killNow();
    await processes[leaderName].exited;
    const killedAt = Date.now();
    await eventually(
      'the standby to lead',
      () => linesWith(lines, `${standbyName}: `).filter((line) => line.includes('leads the rounds')),
      (found) => found.length > 0,
    );
    console.log(`the standby led ${((Date.now() - killedAt) / 1000).toFixed(1)} s after kill -9 of the leader (lease 3 s)`);
    const voided = await eventually(
      'the interrupted round to close',
      () => store.getRound(slugs.hanging, interrupted.number),
      (round) => round?.status !== 'running',
    );
    expect(voided).toMatchObject({ status: 'void', voidReason: INTERRUPTED_REASON, points: 0 });
    await eventually(
      'a passed round after the takeover',
      () => closedRounds(store, slugs.healthy),
      (rounds) => rounds.some((round) => round.status === 'passed' && round.number > interrupted.number),
      { timeoutMs: 180_000 },
    );
    await processes[standbyName].stop();

    expect(await store.listRunningRounds()).toEqual([]);
    for (const slug of Object.values(slugs)) {
      const rounds = await store.listRounds(slug, { after: 0 });
      expect(rounds.every((round) => round.status !== 'running')).toBe(true);
      const earned = rounds.reduce((sum, round) => sum + round.points, 0);
      expect((await store.getTeam(slug))?.score).toBe(earned);
      expect(earned).toBe(rounds.filter((round) => round.status === 'passed').length * 100);
    }
    expect((await store.getTeam(slugs.healthy))?.score).toBeGreaterThan(scoreAtCrash);
  });

  it('two schedulers started together run each round once', async () => {
    const { store, slugs } = await storeWithTeams('pair');
    const lines: string[] = [];
    const a = startSchedulerProcess('scheduler-a', store, lines, 60_000);
    const b = startSchedulerProcess('scheduler-b', store, lines, 60_000);
    const started = Date.now();
    await eventually(
      'three closed rounds of the healthy team',
      () => closedRounds(store, slugs.healthy),
      (rounds) => rounds.length >= 3,
      { timeoutMs: 180_000 },
    );
    const leaders = linesWith(lines, 'leads the rounds');
    expect(leaders).toHaveLength(1);
    const [leader, follower] = leaders[0]?.startsWith('scheduler-a') ? [a, b] : [b, a];
    await follower.stop();
    await leader.stop();
    const elapsedSeconds = (Date.now() - started) / 1000;

    const rounds = await store.listRounds(slugs.healthy, { after: 0 });
    expect(new Set(rounds.map((round) => round.number)).size).toBe(rounds.length);
    for (const [index, round] of rounds.entries()) {
      const previous = rounds[index - 1];
      if (previous) expect(Date.parse(round.startedAt)).toBeGreaterThanOrEqual(Date.parse(previous.endedAt ?? ''));
    }
    // At most one round per 2 s interval: a slow machine runs fewer, never more.
    expect(rounds.length).toBeLessThanOrEqual(Math.ceil(elapsedSeconds / 2) + 1);
    const hangingRounds = await store.listRounds(slugs.hanging, { after: 0 });
    expect(new Set(hangingRounds.map((round) => round.number)).size).toBe(hangingRounds.length);
  });
});
