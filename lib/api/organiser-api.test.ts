/**
 * The organiser's actions over HTTP against the real web app and a real organiser store: adding teams
 * (409 on a taken slug), resets (refused for AWS teams), the lab override and back to automatic,
 * announcements, the CSV exports with hostile team names, the frozen standings as the public, a
 * team page and the organiser see them before and after a round that closes after the freeze; the
 * machine's capacity from a measurement in the store, and the warning when a local team is added
 * beyond it; and a round voided by the organiser's role assumption, whose reason (the team's role
 * ARN) only the organiser reads.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { RoleAssumptionError } from '@/lib/errors';
import { PUBLIC_VOID_REASON } from '@/lib/scoreboard/views/rounds';
import type { AdminTeam, AdminView, ScoreboardView, TeamView } from '@/lib/scoreboard/views/types';
import type { Round, Settings } from '@/lib/store/types';
import { eventually } from '@/testing/eventually';
import { dynamoDbFixture } from '@/testing/fixtures';
import { organiserStoreFixture } from '@/testing/organiser-store';
import { closeRecordedRound, recordRound, startRecordedRound } from '@/testing/recorded-rounds';
import { jsonOf, type Reply, webAppFixture } from '@/testing/web-app';

const SECRET = 'organiser-api-test-secret';
const db = dynamoDbFixture();
const store = organiserStoreFixture(db);
const web = webAppFixture(db, store, { secret: SECRET });

const organiser = (method: string, pathname: string, body?: unknown) => web().send(method, pathname, { body, headers: { authorization: `Bearer ${SECRET}` } });
const publicJson = async <T>(pathname: string) => jsonOf<T>(await web().send('GET', pathname));
const status = (reply: Reply) => [reply.status, reply.status >= 400 ? jsonOf(reply).error : null];

/** Fields of an RFC 4180 document (quoted fields, doubled quotes, CRLF between records). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const character = text[index];
    if (quoted) {
      if (character !== '"') field += character;
      else if (text[index + 1] === '"') field += text[++index];
      else quoted = false;
    } else if (character === '"') quoted = true;
    else if (character === ',') {
      record.push(field);
      field = '';
    } else if (character === '\r' && text[index + 1] === '\n') {
      records.push([...record, field]);
      record = [];
      field = '';
      index++;
    } else if (character === '\n') throw new Error(`a bare line feed outside quotes at ${index}`);
    else field += character;
  }
  if (field || record.length) throw new Error('the last record does not end with CRLF');
  return records;
}

describe('teams', () => {
  it('adds a local team, and answers 409 naming the slug when it is taken', async () => {
    const added = await organiser('POST', '/api/admin/teams', { kind: 'local', slug: 'blue-whales', name: 'Blue Whales' });
    expect(added.status).toBe(201);
    expect(jsonOf<{ team: AdminTeam }>(added).team).toMatchObject({ slug: 'blue-whales', kind: 'local', local: { pipeline: 'handlers', status: 'starting' } });
    const again = await organiser('POST', '/api/admin/teams', { kind: 'local', slug: 'blue-whales', name: 'Other Whales' });
    expect(status(again)).toEqual([409, 'slug: a team with slug "blue-whales" already exists']);
    expect((await store().getTeam('blue-whales'))?.name).toBe('Blue Whales');
  });

  it('resets a local team (202, handed to the supervisor) and refuses to reset an AWS team', async () => {
    const reset = await organiser('POST', '/api/admin/teams/blue-whales/reset');
    expect(reset.status).toBe(202);
    expect((await store().getTeam('blue-whales'))?.local?.resetRequestedAt).toEqual(expect.any(String));
    const aws = { kind: 'aws', slug: 'acme', name: 'Acme', region: 'eu-west-1', roleArn: 'arn:aws:iam::123456789012:role/WorkshopScoreboard' };
    expect((await organiser('POST', '/api/admin/teams', aws)).status).toBe(201);
    expect(status(await organiser('POST', '/api/admin/teams/acme/reset'))).toEqual([400, expect.stringMatching(/^slug: team "acme" runs on AWS/)]);
    expect(status(await organiser('POST', '/api/admin/teams/nobody/reset'))).toEqual([404, 'no team with slug "nobody"']);
  });

  it('overrides a team’s lab, and goes back to automatic progression', async () => {
    const overridden = jsonOf<{ team: AdminTeam }>(await organiser('PATCH', '/api/admin/teams/blue-whales', { labOverride: 2 })).team;
    expect([overridden.lab, overridden.labOverride]).toEqual([2, 2]);
    const teams = jsonOf<{ teams: AdminTeam[] }>(await organiser('GET', '/api/admin/teams')).teams;
    expect(teams.find((team) => team.slug === 'blue-whales')).toMatchObject({ lab: 2, labOverride: 2 });
    const automatic = jsonOf<{ team: AdminTeam }>(await organiser('PATCH', '/api/admin/teams/blue-whales', { labOverride: null })).team;
    expect([automatic.lab, automatic.labOverride]).toEqual([1, null]);
    expect(status(await organiser('PATCH', '/api/admin/teams/blue-whales', { labOverride: 3 }))).toEqual([400, expect.stringMatching(/^labOverride: /)]);
  });

  it('removes a team', async () => {
    expect(jsonOf(await organiser('DELETE', '/api/admin/teams/acme'))).toEqual({ removed: 'acme' });
    expect(await store().getTeam('acme')).toBeNull();
    expect(status(await organiser('DELETE', '/api/admin/teams/acme'))).toEqual([404, 'no team with slug "acme"']);
  });
});

describe('announcements', () => {
  it('shows an announcement on every screen until it is taken down', async () => {
    const posted = await organiser('POST', '/api/admin/announcement', { text: 'Lab 2 starts at 14:00' });
    expect(jsonOf<{ settings: { announcement: { text: string } } }>(posted).settings.announcement.text).toBe('Lab 2 starts at 14:00');
    expect((await publicJson<ScoreboardView>('/api/scoreboard')).announcement?.text).toBe('Lab 2 starts at 14:00');
    expect((await web().send('GET', '/present')).text).toContain('Lab 2 starts at 14:00');
    expect(status(await organiser('POST', '/api/admin/announcement', { text: 'x'.repeat(281) }))).toEqual([400, 'text: text must be at most 280 characters']);
    expect((await organiser('DELETE', '/api/admin/announcement')).status).toBe(200);
    expect((await publicJson<ScoreboardView>('/api/scoreboard')).announcement).toBeNull();
  });
});

describe('CSV exports', () => {
  const hostile = ['=HYPERLINK("http://evil.example","click")', 'Comma, "Quotes" & Co', 'Line\nbreak', 'Ünïcødé 🚀 Ωmega', '+SUM(1;2)', '-1', '@cmd'];

  beforeAll(async () => {
    for (const [index, name] of hostile.entries()) {
      expect((await organiser('POST', '/api/admin/teams', { kind: 'local', slug: `hostile-${index}`, name })).status).toBe(201);
    }
    await recordRound(store(), 'hostile-0', 1, { passed: true });
    await recordRound(store(), 'hostile-1', 2, {
      passed: false,
      diagnosis: { code: 'partial', message: 'totals short by 3 messages’ worth, "late" or lost', labStep: 'Lab 1' },
    });
  });

  it('exports the standings with every name exactly as typed, formulas defused', async () => {
    const reply = await organiser('GET', '/api/admin/export/standings');
    expect(reply.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(reply.headers['content-disposition']).toBe('attachment; filename="standings.csv"');
    const [header, ...rows] = parseCsv(reply.text);
    expect(header).toEqual(['rank', 'slug', 'name', 'score', 'lab', 'rounds_played', 'rounds_passed', 'median_time_to_correct_ms', 'score_reached_at']);
    const names = Object.fromEntries(rows.map((row) => [row[1], row[2]]));
    expect(hostile.map((_, index) => names[`hostile-${index}`])).toEqual([
      `'=HYPERLINK("http://evil.example","click")`,
      'Comma, "Quotes" & Co',
      'Line\nbreak',
      'Ünïcødé 🚀 Ωmega',
      `'+SUM(1;2)`,
      `'-1`,
      `'@cmd`,
    ]);
    expect(rows.find((row) => row[1] === 'hostile-0')?.slice(0, 4)).toEqual(['1', 'hostile-0', `'=HYPERLINK("http://evil.example","click")`, '100']);
    expect(rows.every((row) => row.length === header?.length)).toBe(true);
  });

  it('exports every round with its diagnosis intact', async () => {
    const reply = await organiser('GET', '/api/admin/export/rounds');
    expect(reply.headers['content-disposition']).toBe('attachment; filename="rounds.csv"');
    const [header, ...rows] = parseCsv(reply.text);
    expect(header?.slice(0, 5)).toEqual(['round', 'team', 'lab', 'status', 'points']);
    const byTeam = Object.fromEntries(rows.map((row) => [row[1], Object.fromEntries(header!.map((column, index) => [column, row[index]]))]));
    expect(byTeam['hostile-0']).toMatchObject({ round: '1', status: 'passed', points: '100', time_to_correct_ms: '4200', diagnosis_code: '' });
    expect(byTeam['hostile-1']).toMatchObject({
      round: '2',
      status: 'failed',
      points: '0',
      diagnosis_code: 'partial',
      diagnosis: 'totals short by 3 messages’ worth, "late" or lost',
      lab_step: 'Lab 1',
    });
  });
});

describe('frozen standings', () => {
  const teamPage = () => publicJson<TeamView>('/api/teams/alpha');
  let afterFreeze: Round;

  beforeAll(async () => {
    for (const slug of ['alpha', 'beta']) expect((await organiser('POST', '/api/admin/teams', { kind: 'local', slug, name: slug })).status).toBe(201);
    await recordRound(store(), 'alpha', 11, { passed: true });
    await recordRound(store(), 'beta', 12, { passed: false, diagnosis: { code: 'no-change', message: 'no change at all', labStep: 'Lab 1' } });
    await eventually('alpha’s first round on its page', teamPage, (page) => page.rounds[0]?.status === 'passed');
    expect((await organiser('POST', '/api/admin/freeze', { frozen: true })).status).toBe(200);
  });

  it('seals a round started after the freeze on the team page, and shows no round in progress', async () => {
    afterFreeze = await startRecordedRound(store(), 'alpha', 13);
    const page = await eventually('round 13 on alpha’s page', teamPage, (shown) => shown.rounds[0]?.number === 13);
    expect(page.rounds[0]).toEqual({ number: 13, status: 'sealed', startedAt: afterFreeze.startedAt });
    expect(page).toMatchObject({ frozen: true, running: null, team: { score: 100, rank: 2, lab: 1 } });
    expect(page.live.round).toEqual({ number: 13, status: 'sealed', phase: null });
    expect((await publicJson<ScoreboardView>('/api/scoreboard')).runningRound).toBeNull();
    const admin = jsonOf<{ live: ScoreboardView }>(await organiser('GET', '/api/admin/scoreboard'));
    expect(admin.live.runningRound?.number).toBe(13);
  });

  it('shows the public the same board and team page after that round passed; the organiser sees it live', async () => {
    const boardBefore = await web().send('GET', '/api/scoreboard');
    const pageBefore = await teamPage();
    await closeRecordedRound(store(), afterFreeze, { passed: true });
    const admin = await eventually(
      'the organiser’s live view of round 13',
      async () => jsonOf<{ live: ScoreboardView }>(await organiser('GET', '/api/admin/scoreboard')),
      (view) => view.live.teams.find((team) => team.slug === 'alpha')?.score === 200,
    );
    expect(admin.live.teams.find((team) => team.slug === 'alpha')?.rounds.at(-1)).toMatchObject({ number: 13, status: 'passed', points: 100 });

    const boardAfter = await web().send('GET', '/api/scoreboard');
    expect(boardAfter.headers.etag).toBe(boardBefore.headers.etag);
    const frozenTeams = jsonOf<ScoreboardView>(boardAfter).teams.filter((team) => ['alpha', 'beta'].includes(team.slug));
    expect(frozenTeams.map((team) => [team.slug, team.score, team.rounds.map((round) => round.number)])).toEqual([
      ['alpha', 100, [11]],
      ['beta', 0, [12]],
    ]);
    const pageAfter = await teamPage();
    expect(pageAfter.rounds).toEqual(pageBefore.rounds);
    expect(pageAfter.team).toEqual(pageBefore.team);
    expect([pageAfter.lastDiagnosis, pageAfter.medianTimeToCorrectMs]).toEqual([null, 4200]);
    expect((await web().send('GET', '/teams/alpha')).text).toContain('sealed');
  });

  it('reveals everything once the organiser thaws the standings', async () => {
    expect((await organiser('POST', '/api/admin/freeze', { frozen: false })).status).toBe(200);
    const page = await teamPage();
    expect(page).toMatchObject({ frozen: false, team: { score: 200 } });
    expect(page.rounds[0]).toMatchObject({ number: 13, status: 'passed', points: 100 });
    expect((await publicJson<ScoreboardView>('/api/scoreboard')).teams.find((team) => team.slug === 'alpha')?.score).toBe(200);
  });
});

describe('the round-seed secret', () => {
  it('is in no public read, organiser view or export', async () => {
    expect((await organiser('POST', '/api/admin/teams', { kind: 'local', slug: 'seeded', name: 'Seeded' })).status).toBe(201);
    await recordRound(store(), 'seeded', 21, { passed: true });
    const secret = await store().roundSeedSecret();
    const forms = [secret.toString('base64'), secret.toString('hex'), secret.toString('base64url'), JSON.stringify([...secret])];
    const replies = await Promise.all([
      web().send('GET', '/api/scoreboard'),
      web().send('GET', '/api/teams/seeded'),
      web().send('GET', '/api/metrics'),
      organiser('GET', '/api/admin/scoreboard'),
      organiser('GET', '/api/admin/settings'),
      organiser('GET', '/api/admin/teams'),
      organiser('GET', '/api/admin/export/rounds'),
      organiser('GET', '/api/admin/export/standings'),
    ]);
    for (const reply of replies) {
      expect(reply.status).toBe(200);
      for (const form of forms) expect(reply.text).not.toContain(form);
    }
  });
});

describe('the machine’s capacity', () => {
  const capacity = async () => jsonOf<AdminView>(await organiser('GET', '/api/admin/scoreboard')).capacity;

  it('shows what the machine carries from its measured CPU per message, and the add of a local team beyond it answers with a warning; remote teams do not count', async () => {
    const before = (await organiser('GET', '/api/admin/settings').then((reply) => jsonOf<{ settings: Settings }>(reply))).settings;
    // What the supervisor's meter writes: 10 ms of CPU per message on 2 cores, so 2 × 30 s × ½ ÷ 10 ms = 3,000 messages a round.
    await store().machine.saveCpuMeasurement({ cpuMs: 20_000, messages: 2_000, cores: 2, measuredAt: new Date().toISOString() });
    expect((await organiser('PATCH', '/api/admin/settings', { roundMessages: 3000, roundDeadlineSeconds: 30 })).status).toBe(200);
    const shown = await eventually(
      'the measured capacity in the organiser’s view',
      capacity,
      (value) => value?.cpuMsPerMessage === 10 && value.deadlineSeconds === 30,
    );
    const localTeams = (await store().listTeams()).filter((team) => team.kind === 'local' && team.active).length;
    expect(localTeams).toBeGreaterThan(0);
    expect(shown).toEqual({
      cores: 2,
      deadlineSeconds: 30,
      cpuMsPerMessage: 10,
      measuredMessages: 2000,
      messagesPerRound: 3000,
      localTeams,
      localMessagesPerRound: localTeams * 3000,
    });

    const beyond = await organiser('POST', '/api/admin/teams', { kind: 'local', slug: 'one-too-many', name: 'One Too Many' });
    expect(beyond.status).toBe(201);
    expect(jsonOf<{ warning?: string }>(beyond).warning).toBe(
      "this machine carries about 3,000 local-team messages per round (2 cores, the 30 s deadline, 10.00 ms of CPU per message, measured over this machine's last 2,000 local-team messages); " +
        `with ${localTeams + 1} local teams of 3,000 messages it would get ${((localTeams + 1) * 3000).toLocaleString('en')}, so rounds are likely to miss the deadline. ` +
        'Use fewer messages per round, or add the team as remote (on its own laptop) or on AWS.',
    );
    expect((await store().getTeam('one-too-many'))?.kind).toBe('local');
    const remote = await organiser('POST', '/api/admin/teams', { kind: 'remote', slug: 'far-away', name: 'Far Away' });
    expect(remote.status).toBe(201);
    expect(jsonOf<{ warning?: string }>(remote).warning).toBeUndefined();
    await eventually('the added local team counted, the remote one not', capacity, (value) => value?.localTeams === localTeams + 1);

    expect((await organiser('PATCH', '/api/admin/settings', { roundMessages: 1 })).status).toBe(200);
    const fits = await organiser('POST', '/api/admin/teams', { kind: 'local', slug: 'small-rounds', name: 'Small Rounds' });
    expect(fits.status).toBe(201);
    expect(jsonOf<{ warning?: string }>(fits).warning).toBeUndefined();
    await organiser('PATCH', '/api/admin/settings', { roundMessages: before.roundMessages, roundDeadlineSeconds: before.roundDeadlineSeconds });
  });
});

describe('a round voided because the organiser could not assume the team’s role', () => {
  it('shows the public that the organiser’s side failed, never the role ARN; the organiser reads it whole', async () => {
    const roleArn = 'arn:aws:iam::210987654321:role/VoidedScoreboard';
    const added = await organiser('POST', '/api/admin/teams', {
      kind: 'aws',
      slug: 'voided',
      name: 'Voided',
      region: 'eu-west-1',
      roleArn,
      externalId: 'ext-1',
    });
    expect(added.status).toBe(201);
    const voidReason = new RoleAssumptionError(roleArn, 'ext-1', new Error('AccessDenied: not authorized to perform sts:AssumeRole')).message;
    await recordRound(store(), 'voided', 31, { passed: false, voidReason });
    const page = await eventually(
      'the void round on the team page',
      () => publicJson<TeamView>('/api/teams/voided'),
      (shown) => shown.rounds.length > 0,
    );
    expect(page.rounds[0]).toMatchObject({ number: 31, status: 'void', voidReason: PUBLIC_VOID_REASON });
    const publicReplies = await Promise.all([web().send('GET', '/api/teams/voided'), web().send('GET', '/api/scoreboard'), web().send('GET', '/teams/voided')]);
    for (const reply of publicReplies) {
      expect(reply.status).toBe(200);
      expect(reply.text).not.toContain('210987654321');
    }
    const board = jsonOf<ScoreboardView>(publicReplies[1]!);
    expect(board.teams.find((team) => team.slug === 'voided')?.rounds.at(-1)?.voidReason).toBe(PUBLIC_VOID_REASON);
    const admin = jsonOf<{ teams: AdminTeam[] }>(await organiser('GET', '/api/admin/scoreboard'));
    expect(admin.teams.find((team) => team.slug === 'voided')?.lastRound?.voidReason).toBe(voidReason);
    expect((await organiser('GET', '/api/admin/export/rounds')).text).toContain(roleArn);
  });
});
