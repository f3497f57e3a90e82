/**
 * The scoreboard's views as pure functions of the data they show: standings, the public board while
 * frozen, a team's page and the organiser's view, from plain records (no DynamoDB Local).
 */
import { describe, expect, it } from 'vitest';
import { AGGREGATION_KEYS } from '@/lib/domain/hierarchy';
import { RoleAssumptionError } from '@/lib/errors';
import { newAwsTeam, newLocalTeam } from '@/lib/store/team-records';
import type { Round, Settings, Team } from '@/lib/store/types';
import { adminView } from './admin';
import type { BoardData, TableRead } from './board-data';
import { publicBoard } from './freeze';
import { PUBLIC_TABLE_PROBLEM } from './live-table';
import { PUBLIC_VOID_REASON, summariseRound } from './rounds';
import { liveBoard } from './standings';
import { teamPage } from './team-page';

const SETTINGS: Settings = {
  roundIntervalSeconds: 60,
  roundMessages: 10_000,
  roundDeadlineSeconds: 30,
  paused: false,
  frozen: false,
  frozenAt: null,
  announcement: null,
  nextRoundAt: '2026-05-01T10:10:00.000Z',
};

const zeros = Object.fromEntries(AGGREGATION_KEYS.map((key) => [key, '0']));
const expectedChange = { ...Object.fromEntries(AGGREGATION_KEYS.map((key) => [key, '0.00'])), PV: '10.50', 'PV:FXSpot': '10.50', 'PV:FXSpot:EMEA': '10.50' };

function readyTeam(slug: string, score: number, scoreReachedAt: string): Team {
  const team = newLocalTeam(slug, `Team ${slug}`, 'solution', 'us-east-1');
  return {
    ...team,
    score,
    scoreReachedAt,
    connection: { region: 'us-east-1', dynamodbEndpoint: 'http://127.0.0.1:1' },
    local: { pipeline: 'solution', status: 'ready' },
  };
}

function closedRound(team: string, number: number, status: 'passed' | 'failed' | 'void', details = false): Round {
  return {
    team,
    number,
    lab: 1,
    seed: number,
    status,
    startedAt: `2026-05-01T10:0${number}:00.000Z`,
    endedAt: `2026-05-01T10:0${number}:20.000Z`,
    points: status === 'passed' ? 100 : 0,
    timeToCorrectMs: status === 'passed' ? 4000 + number : null,
    diagnosis: status === 'failed' ? { code: 'no-change', message: 'no change at all: is State connected?', labStep: 'Lab 1' } : null,
    ...(status === 'void' ? { voidReason: 'the organiser store did not answer' } : {}),
    ...(details ? { baseline: zeros, expected: expectedChange } : {}),
  };
}

function runningRound(team: string, number: number): Round {
  return {
    team,
    number,
    lab: 1,
    seed: number,
    status: 'running',
    startedAt: `2026-05-01T10:0${number}:00.000Z`,
    baseline: zeros,
    expected: expectedChange,
    sentAt: `2026-05-01T10:0${number}:01.000Z`,
    deadlineAt: `2026-05-01T10:0${number}:31.000Z`,
    points: 0,
  };
}

function table(values: Record<string, string>): TableRead {
  return { values: new Map(Object.entries(values)), readAt: 1, error: null };
}

function boardData(teams: Team[], rounds: Round[], tables: Record<string, TableRead> = {}, settings: Partial<Settings> = {}): BoardData {
  const byTeam = new Map(teams.map((team) => [team.slug, rounds.filter((round) => round.team === team.slug)]));
  return {
    settings: { ...SETTINGS, ...settings },
    teams,
    rounds: byTeam,
    summaries: new Map([...byTeam].map(([slug, list]) => [slug, list.map(summariseRound)])),
    tables: new Map(Object.entries(tables)),
    frozenBoard: null,
    problem: null,
    localTeams: true,
  };
}

const fast = readyTeam('fast', 200, '2026-05-01T10:02:20.000Z');
const slow = readyTeam('slow', 100, '2026-05-01T10:01:20.000Z');
const tied = readyTeam('tied', 200, '2026-05-01T10:03:20.000Z');
const rounds = [
  closedRound('fast', 1, 'passed'),
  closedRound('fast', 2, 'passed', true),
  runningRound('fast', 3),
  closedRound('slow', 1, 'passed'),
  closedRound('slow', 2, 'failed', true),
  closedRound('tied', 1, 'void'),
  closedRound('tied', 2, 'passed'),
  closedRound('tied', 3, 'passed'),
];
const data = boardData([slow, tied, fast], rounds, {
  fast: table({ ...zeros, PV: '10.5', 'PV:FXSpot': '10.5', 'PV:FXSpot:EMEA': '10.50', message_count: '3' }),
  slow: table({ PV: '7' }),
  tied: { values: null, readAt: null, error: { message: 'table AggregateTable not found', side: 'team' } },
});

describe('liveBoard', () => {
  const board = liveBoard(data);

  it('ranks teams by score, ties to the team that reached it first, with round counts and medians', () => {
    expect(board.teams.map((team) => [team.slug, team.rank, team.score])).toEqual([
      ['fast', 1, 200],
      ['tied', 2, 200],
      ['slow', 3, 100],
    ]);
    const [first, second, third] = board.teams;
    expect(first).toMatchObject({ roundsPlayed: 2, roundsPassed: 2, medianTimeToCorrectMs: 4001.5 });
    expect(first?.rounds.map((round) => round.number)).toEqual([1, 2]);
    expect(first?.running).toEqual({ number: 3, phase: 'waiting', startedAt: '2026-05-01T10:03:00.000Z', deadlineAt: '2026-05-01T10:03:31.000Z' });
    expect(second).toMatchObject({ roundsPlayed: 2, roundsPassed: 2 });
    expect(third?.rounds.at(-1)?.diagnosis).toMatchObject({ code: 'no-change' });
  });

  it('draws the leaders’ cumulative scores per round and carries the settings', () => {
    expect(board.scoreHistory.teams).toEqual(['fast', 'tied', 'slow']);
    expect(board.scoreHistory.points.at(-1)).toEqual({ round: 3, scores: { fast: 200, tied: 200, slow: 100 } });
    expect(board).toMatchObject({ runningRound: { number: 3 }, nextRoundAt: '2026-05-01T10:10:00.000Z', frozen: false, problem: null });
  });

  it('shows no next round while paused', () => {
    expect(liveBoard(boardData([fast], [], {}, { paused: true })).nextRoundAt).toBeNull();
  });
});

describe('publicBoard', () => {
  it('is the live board unless frozen, and the frozen teams and chart with live settings while frozen', () => {
    const live = liveBoard(data);
    const shownLive = publicBoard(live, null);
    expect({ ...shownLive, teams: [] }).toEqual({ ...live, teams: [] });
    expect(shownLive.teams.map((team) => [team.slug, team.score, team.rounds.map((round) => round.status)])).toEqual(
      live.teams.map((team) => [team.slug, team.score, team.rounds.map((round) => round.status)]),
    );
    const frozen = liveBoard(boardData([fast], [closedRound('fast', 1, 'passed')]));
    const shown = publicBoard({ ...live, announcement: { text: 'Finale!', postedAt: 'now' } }, frozen);
    expect(shown.teams.map((team) => [team.slug, team.rounds.length, team.running])).toEqual([['fast', 1, null]]);
    expect(shown.scoreHistory).toEqual(frozen.scoreHistory);
    expect(shown.announcement?.text).toBe('Finale!');
  });
});

describe('teamPage', () => {
  const live = liveBoard(data);

  it('measures the live table against the newest round with a baseline, key by key', () => {
    const page = teamPage(data, 'fast', live);
    expect(page?.team).toMatchObject({ slug: 'fast', score: 200, rank: 1, kind: 'local' });
    expect(page?.live).toMatchObject({ state: 'ok', round: { number: 3, status: 'running', phase: 'waiting' }, matching: 18, messageCount: '3' });
    expect(page?.live.keys.find((key) => key.key === 'PV')).toEqual({ key: 'PV', depth: 0, expected: '10.50', actual: '10.5', delta: '0', matches: true });
    expect(page?.rounds.map((round) => round.number)).toEqual([3, 2, 1]);
    expect(page?.running).toMatchObject({ number: 3, phase: 'waiting' });
  });

  it('compares with the expected change once the round has closed, and diagnoses the last failed round', () => {
    const page = teamPage(data, 'slow', live);
    expect(page?.live.round).toEqual({ number: 2, status: 'failed', phase: null });
    expect(page?.live.matching).toBe(15);
    expect(page?.live.keys.find((key) => key.key === 'PV')).toEqual({ key: 'PV', depth: 0, expected: '10.50', actual: '7', delta: '-3.5', matches: false });
    expect(page?.lastDiagnosis).toMatchObject({ round: 2, code: 'no-change', labStep: 'Lab 1', hint: expect.stringMatching(/triggers\.json/) });
    expect(page?.medianTimeToCorrectMs).toBe(4001);
  });

  it('says why a table cannot be read, and what a local team’s resources are doing', () => {
    expect(teamPage(data, 'tied', live)?.live).toMatchObject({ state: 'unreachable', message: 'table AggregateTable not found', keys: [] });
    const starting = { ...fast, local: { pipeline: 'handlers' as const, status: 'starting' as const } };
    expect(teamPage(boardData([starting], []), 'fast', live)?.live).toMatchObject({ state: 'starting', message: expect.stringMatching(/starting/) });
    const failed = { ...fast, local: { pipeline: 'handlers' as const, status: 'failed' as const, message: 'port in use' } };
    expect(teamPage(boardData([failed], []), 'fast', live)?.live.message).toMatch(/failed to start: port in use/);
    expect(teamPage(boardData([fast], []), 'fast', live)?.live.state).toBe('waiting');
  });

  it('is null for an unknown team', () => {
    expect(teamPage(data, 'nobody', live)).toBeNull();
  });
});

describe('adminView', () => {
  it('lists every team in standings order with its settings, last closed round and table state', () => {
    const aws = newAwsTeam({ slug: 'acme', name: 'Acme', region: 'eu-west-1', roleArn: 'arn:aws:iam::123456789012:role/R', externalId: 'xyz' });
    const withAws = boardData([fast, slow, { ...aws, labOverride: 2, lab: 2 }], rounds);
    const view = adminView(withAws, liveBoard(withAws));
    expect(view.teams.map((team) => [team.slug, team.rank, team.lastRound?.number ?? null, team.tableState])).toEqual([
      ['fast', 1, 2, 'waiting'],
      ['slow', 2, 2, 'waiting'],
      ['acme', 3, null, 'waiting'],
    ]);
    expect(view.teams[2]).toMatchObject({ kind: 'aws', roleArn: 'arn:aws:iam::123456789012:role/R', externalId: 'xyz', labOverride: 2, local: null });
    expect(view.teams[0]?.local).toEqual({ pipeline: 'solution', status: 'ready', message: null, resetPending: false });
    expect(view.defaultFailurePercentages).toEqual({ state: 5, map: 10, reduce: 10 });
  });
});

describe('while the standings are frozen', () => {
  // At the freeze: fast had played rounds 1 and 2 (200 points, Lab 1). Since: round 3 passed (300
  // points, so Lab 2), round 4 failed, round 5 is running; a team joined and passed a round.
  const atFreeze = boardData([fast, slow], [closedRound('fast', 1, 'passed'), closedRound('fast', 2, 'passed'), closedRound('slow', 1, 'passed')]);
  const frozenBoard = liveBoard(atFreeze);
  const now = [fast, slow].map((team) => (team.slug === 'fast' ? { ...team, score: 300, lab: 2 as const } : team));
  const newcomer = { ...readyTeam('newcomer', 100, '2026-05-01T10:06:20.000Z'), lab: 1 as const };
  const since = [
    ...['fast', 'slow'].map((slug) => closedRound(slug, 1, 'passed')),
    closedRound('fast', 2, 'passed'),
    closedRound('fast', 3, 'passed'),
    { ...closedRound('fast', 4, 'failed'), lab: 2 as const },
    runningRound('fast', 5),
    closedRound('newcomer', 6, 'passed'),
  ];
  const frozen: BoardData = {
    ...boardData(
      [...now, newcomer],
      since,
      { fast: table({ ...zeros, PV: '10.5', 'PV:FXSpot': '10.5', 'PV:FXSpot:EMEA': '10.5' }) },
      { frozen: true, frozenAt: 'x' },
    ),
    frozenBoard,
  };
  const live = liveBoard(frozen);

  it('shows everybody the board of the freeze, with no round in progress (an early end would tell a pass)', () => {
    const shown = publicBoard(live, frozenBoard);
    expect(shown.teams.map((team) => [team.slug, team.score, team.rounds.length, team.running])).toEqual([
      ['fast', 200, 2, null],
      ['slow', 100, 1, null],
    ]);
    expect(shown.runningRound).toBeNull();
    expect(live.runningRound?.number).toBe(5);
  });

  it('seals a team’s rounds since the freeze: number and start only, from their start on', () => {
    const page = teamPage(frozen, 'fast', live)!;
    expect(page.team).toMatchObject({ score: 200, rank: 1, lab: 1 });
    expect(page.frozen).toBe(true);
    expect(page.rounds.map((round) => [round.number, round.status])).toEqual([
      [5, 'sealed'],
      [4, 'sealed'],
      [3, 'sealed'],
      [2, 'passed'],
      [1, 'passed'],
    ]);
    expect(page.rounds[1]).toEqual({ number: 4, status: 'sealed', startedAt: '2026-05-01T10:04:00.000Z' });
    expect(page.running).toBeNull();
    expect(page.lastDiagnosis).toBeNull();
    expect(page.medianTimeToCorrectMs).toBe(4001.5);
  });

  it('shows the live table’s change without the expected totals of a sealed round', () => {
    const { live: table } = teamPage(frozen, 'fast', live)!;
    expect(table.round).toEqual({ number: 5, status: 'sealed', phase: null });
    expect(table.matching).toBe(0);
    expect(table.keys.find((key) => key.key === 'PV')).toEqual({ key: 'PV', depth: 0, expected: null, actual: '10.5', delta: null, matches: null });
    expect(JSON.stringify(table)).not.toContain('10.50');
  });

  it('gives a team that joined after the freeze no score or rank yet, and seals all its rounds', () => {
    const page = teamPage(frozen, 'newcomer', live)!;
    expect(page.team).toMatchObject({ score: 0, rank: 0, lab: 1 });
    expect(page.rounds).toEqual([{ number: 6, status: 'sealed', startedAt: '2026-05-01T10:06:00.000Z' }]);
  });

  it('keeps the organiser’s view live', () => {
    const view = adminView(frozen, live);
    expect(view.teams.find((team) => team.slug === 'fast')).toMatchObject({ score: 300, lab: 2, lastRound: { number: 4, status: 'failed' } });
    expect(view.live.runningRound?.number).toBe(5);
  });
});

describe('a round voided because the organiser could not assume the team’s role', () => {
  const roleArn = 'arn:aws:iam::210987654321:role/AcmeScoreboard';
  const reason = new RoleAssumptionError(
    roleArn,
    'xyz',
    new Error('User: arn:aws:iam::999988887777:user/organiser is not authorized to perform: sts:AssumeRole'),
  ).message;
  const acme = {
    ...newAwsTeam({ slug: 'acme', name: 'Acme', region: 'eu-west-1', roleArn, externalId: 'xyz' }),
    score: 100,
    scoreReachedAt: '2026-05-01T10:01:20.000Z',
  };
  // The scoreboard's own reads of the table meet the same refusal.
  const voidData = boardData([acme], [closedRound('acme', 1, 'passed'), { ...closedRound('acme', 2, 'void'), voidReason: reason }], {
    acme: { ...table(zeros), error: { message: reason, side: 'organiser' } },
  });
  const live = liveBoard(voidData);
  const accountIds = /210987654321|999988887777/;

  it('shows the public only that the organiser’s side failed: standings strip, frozen board, team page and its live table', () => {
    expect(reason).toMatch(accountIds);
    const board = publicBoard(live, null);
    expect(board.teams[0]?.rounds.map((round) => [round.status, round.voidReason])).toEqual([
      ['passed', null],
      ['void', PUBLIC_VOID_REASON],
    ]);
    expect(JSON.stringify(board)).not.toMatch(accountIds);
    expect(JSON.stringify(publicBoard(live, live))).not.toMatch(accountIds);
    const page = teamPage(voidData, 'acme', live)!;
    expect(page.rounds[0]).toMatchObject({ number: 2, status: 'void', voidReason: PUBLIC_VOID_REASON });
    expect(page.live).toMatchObject({ state: 'unreachable', message: `${PUBLIC_TABLE_PROBLEM} (showing the last values read)` });
    expect(JSON.stringify(page)).not.toMatch(accountIds);
  });

  it('keeps the whole reason, role ARN and external-id check, in the organiser’s view (last round and table)', () => {
    const view = adminView(voidData, live);
    expect(view.teams[0]?.lastRound).toMatchObject({ number: 2, status: 'void', voidReason: reason });
    expect(view.teams[0]?.lastRound?.voidReason).toContain(roleArn);
    expect(view.teams[0]?.lastRound?.voidReason).toContain('external id');
    expect(view.live.teams[0]?.rounds.at(-1)?.voidReason).toBe(reason);
    expect(view.teams[0]).toMatchObject({ tableState: 'unreachable', tableMessage: `${reason} (showing the last values read)` });
  });
});
