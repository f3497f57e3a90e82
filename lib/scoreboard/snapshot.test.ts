/**
 * The shared snapshot against a real organiser store and real AggregateTables (one DynamoDB Local):
 * one AggregateTable scan per team per refresh however many requests, closed rounds read once,
 * views built from the store's records.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { dynamoDbFixture } from '@/testing/fixtures';
import { freshOrganiserStore } from '@/testing/organiser-store';
import { OrganiserActions } from '../api/organiser-actions';
import { TeamTokens } from '../api/team-tokens';
import { AgentGate } from '../auth/join-tokens';
import { type Connection, dynamoDbClient } from '../aws/clients';
import { AGGREGATION_KEYS } from '../domain/hierarchy';
import { LOCAL_REGION } from '../local/emulators';
import { createTable } from '../local/team-resources';
import { tableSpec } from '../pipeline-resources';
import { AgentRecords } from '../store/agent-records';
import { OrganiserStore } from '../store/organiser-store';
import { newLocalTeam } from '../store/team-records';
import type { Round } from '../store/types';
import { TeamRoundCache } from './round-cache';
import { SnapshotBuilder } from './snapshot';
import type { AdminView, ScoreboardView, TeamView } from './views/types';

const emulator = dynamoDbFixture();
let connection: Connection;
let store: OrganiserStore;
const lease = { holder: 'snapshot-test' };

async function createAggregateTable(name: string, values: Record<string, string>): Promise<void> {
  const client = dynamoDbClient(connection);
  await createTable(connection, name, tableSpec('aggregate'));
  for (const [key, value] of Object.entries(values)) {
    await client.send(new PutItemCommand({ TableName: name, Item: { Identifier: { S: key }, Value: { N: value } } }));
  }
}

async function addReadyTeam(slug: string, aggregateTable: string): Promise<void> {
  const team = newLocalTeam(slug, `Team ${slug}`, 'solution', LOCAL_REGION);
  await store.createTeam({ ...team, resources: { ...team.resources, aggregateTable } });
  await store.setLocalState(slug, { status: 'ready' }, connection);
}

const zeros = Object.fromEntries(AGGREGATION_KEYS.map((key) => [key, '0']));
const expectedChange = { ...Object.fromEntries(AGGREGATION_KEYS.map((key) => [key, '0.00'])), PV: '10.50', 'PV:FXSpot': '10.50', 'PV:FXSpot:EMEA': '10.50' };

async function playRound(slug: string, number: number, passed: boolean, endedAt: string): Promise<void> {
  const team = (await store.getTeam(slug))!;
  const round: Round = {
    team: slug,
    number,
    lab: 1,
    seed: number,
    status: 'running',
    startedAt: endedAt,
    points: 0,
    baseline: zeros,
    expected: expectedChange,
  };
  await store.startRound(round, lease);
  const diagnosis = passed ? null : { code: 'no-change' as const, message: 'no change at all: is State connected?', labStep: 'Lab 1' };
  await store.closeRound(
    { ...round, status: passed ? 'passed' : 'failed', endedAt, points: passed ? 100 : 0, timeToCorrectMs: passed ? 4000 + number : null, diagnosis },
    lease,
    team,
  );
}

beforeAll(async () => {
  connection = { region: LOCAL_REGION, dynamodbEndpoint: emulator().endpoint };
  store = await freshOrganiserStore(emulator(), 'Organiser', { roundIntervalSeconds: 60, roundMessages: 2000, roundDeadlineSeconds: 20 });
  expect(await store.acquireLease(lease.holder, 600_000)).toBe(true);
  await createAggregateTable('fast-AggregateTable', { ...zeros, PV: '10.5', 'PV:FXSpot': '10.5', 'PV:FXSpot:EMEA': '10.50', message_count: '3' });
  await createAggregateTable('slow-AggregateTable', { PV: '7' });
  await addReadyTeam('fast', 'fast-AggregateTable');
  await addReadyTeam('slow', 'slow-AggregateTable');
  await addReadyTeam('gone', 'no-such-table');
  await playRound('fast', 1, true, '2026-05-01T10:01:00.000Z');
  await playRound('slow', 1, false, '2026-05-01T10:01:00.000Z');
  await playRound('gone', 1, true, '2026-05-01T10:01:05.000Z');
});

describe('SnapshotBuilder', () => {
  it('scans each AggregateTable once per refresh, however many requests arrive together', async () => {
    let clock = 1_000_000;
    const builder = new SnapshotBuilder({ store, now: () => clock });
    const first = await Promise.all(Array.from({ length: 300 }, () => builder.current()));
    expect(new Set(first).size).toBe(1);
    expect(builder.metrics).toMatchObject({ snapshotBuilds: 1, aggregateScans: 3 });

    clock += 999;
    await Promise.all(Array.from({ length: 300 }, () => builder.current()));
    expect(builder.metrics).toMatchObject({ snapshotBuilds: 1, aggregateScans: 3 });

    clock += 1;
    const second = await Promise.all(Array.from({ length: 300 }, () => builder.current()));
    expect(new Set(second).size).toBe(1);
    expect(second[0]).not.toBe(first[0]);
    expect(builder.metrics).toMatchObject({ snapshotBuilds: 2, aggregateScans: 6 });
  });

  it('serves the same ETag while nothing changed, and a new one when a table changes', async () => {
    let clock = 5_000_000;
    const builder = new SnapshotBuilder({ store, now: () => clock });
    const before = await builder.current();
    clock += 1000;
    const unchanged = await builder.current();
    expect(unchanged.scoreboard().etag).toBe(before.scoreboard().etag);
    expect(unchanged.teamPage('fast')!.etag).toBe(before.teamPage('fast')!.etag);

    await dynamoDbClient(connection).send(new PutItemCommand({ TableName: 'slow-AggregateTable', Item: { Identifier: { S: 'PV' }, Value: { N: '8' } } }));
    clock += 1000;
    const changed = await builder.current();
    expect(changed.teamPage('slow')!.etag).not.toBe(before.teamPage('slow')!.etag);
    expect(changed.teamPage('fast')!.etag).toBe(before.teamPage('fast')!.etag);
  });

  it('ranks the teams, ties going to the team that scored first, with the last rounds and the median', async () => {
    const builder = new SnapshotBuilder({ store });
    const board = JSON.parse((await builder.current()).scoreboard().body) as ScoreboardView;
    expect(board.teams.map((team) => [team.slug, team.score, team.rank])).toEqual([
      ['fast', 100, 1],
      ['gone', 100, 2],
      ['slow', 0, 3],
    ]);
    expect(board.teams[0]?.rounds).toEqual([expect.objectContaining({ number: 1, passed: true, timeToCorrectMs: 4001 })]);
    expect(board.teams[0]?.medianTimeToCorrectMs).toBe(4001);
    expect(board.teams[2]?.rounds[0]?.diagnosis).toMatchObject({ code: 'no-change' });
    expect(board.scoreHistory.teams).toEqual(['fast', 'gone', 'slow']);
    expect(board.scoreHistory.points.at(-1)).toEqual({ round: 1, scores: { fast: 100, gone: 100, slow: 0 } });
    expect(board.roundDeadlineSeconds).toBe(20);
  });

  it('shows a team its live table against the expected change, key by key, and says when a table is missing', async () => {
    const snapshot = await new SnapshotBuilder({ store }).current();
    const fast = JSON.parse(snapshot.teamPage('fast')!.body) as TeamView;
    expect(fast.live.state).toBe('ok');
    expect(fast.live.keys).toHaveLength(18);
    expect(fast.live.keys.every((key) => key.matches)).toBe(true);
    expect(fast.live.keys.find((key) => key.key === 'PV:FXSpot:EMEA')).toMatchObject({
      expected: '10.50',
      actual: '10.5',
      delta: '0',
      matches: true,
      depth: 2,
    });
    expect(fast.live.messageCount).toBe('3');

    const slow = JSON.parse(snapshot.teamPage('slow')!.body) as TeamView;
    expect(slow.live.matching).toBe(15);
    expect(slow.live.keys.find((key) => key.key === 'PV')).toMatchObject({ expected: '10.50', matches: false });
    expect(slow.lastDiagnosis).toMatchObject({ round: 1, code: 'no-change', labStep: 'Lab 1' });
    expect(slow.lastDiagnosis?.hint).toMatch(/triggers\.json/);

    const gone = JSON.parse(snapshot.teamPage('gone')!.body) as TeamView;
    expect(gone.live.state).toBe('unreachable');
    expect(gone.live.message).toMatch(/no-such-table not found/);
    expect(snapshot.teamPage('nobody')).toBeNull();
  });

  it('keeps serving the last standings, with the problem in words, when the store stops answering', async () => {
    const brokenStore = new OrganiserStore(connection, 'NoSuchOrganiserTable', { roundIntervalSeconds: 60, roundMessages: 2000, roundDeadlineSeconds: 20 });
    const snapshot = await new SnapshotBuilder({ store: brokenStore }).current();
    const board = JSON.parse(snapshot.scoreboard().body) as ScoreboardView;
    expect(board.teams).toEqual([]);
    expect(board.problem).toMatch(/organiser store is not answering/);
  });
});

describe('in AWS mode (no emulators)', () => {
  it('tells the organiser console that teams cannot be local, and refuses to add a local team', async () => {
    const builder = new SnapshotBuilder({ store, localTeams: false });
    const admin = JSON.parse((await builder.current()).admin().body) as AdminView;
    expect(admin.localTeams).toBe(false);
    const actions = new OrganiserActions(
      store,
      builder,
      LOCAL_REGION,
      false,
      new TeamTokens(new AgentRecords(store), new AgentGate(async () => null), undefined),
    );
    await expect(actions.addTeam({ kind: 'local', slug: 'nowhere', name: 'Nowhere', pipeline: 'handlers' })).rejects.toMatchObject({
      status: 400,
      message: expect.stringMatching(/^kind: .*add the team as "aws"/),
    });
    expect(await store.getTeam('nowhere')).toBeNull();
  });
});

describe('TeamRoundCache', () => {
  it('reads a closed round once: later refreshes only ask for newer rounds', async () => {
    const cache = new TeamRoundCache('any');
    await cache.refresh(store, 'fast');
    for (let number = 2; number <= 6; number++) await playRound('fast', number, true, `2026-05-01T10:0${number}:00.000Z`);
    await cache.refresh(store, 'fast');
    expect(cache.summaries().map((round) => round.number)).toEqual([1, 2, 3, 4, 5, 6]);

    await store.documents.send(
      new UpdateCommand({
        TableName: store.tableName,
        Key: { pk: 'ROUND#fast', sk: '0000000002' },
        UpdateExpression: 'SET timeToCorrectMs = :changed',
        ExpressionAttributeValues: { ':changed': 1 },
      }),
    );
    await playRound('fast', 7, false, '2026-05-01T10:07:00.000Z');
    await cache.refresh(store, 'fast');
    const summaries = cache.summaries();
    expect(summaries.map((round) => round.number)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(summaries[1]?.timeToCorrectMs).toBe(4002);
    expect(
      cache
        .all()
        .filter((round) => round.baseline)
        .map((round) => round.number),
    ).toEqual([5, 6, 7]);
  });
});
