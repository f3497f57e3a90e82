/**
 * The agent API of room mode (docs/room.md) over HTTP against the real web app and organiser store,
 * driven by the protocol's own client (testing/agent-client.ts): remote teams and their join tokens
 * (issued, shown only to the organiser, regenerated, revoked, removed with the team), what a token
 * grants and what it does not, throttling of wrong tokens, the long poll, the conditional start and
 * idempotent sent, table uploads, forwarded logs and body caps; and, on a clock of the test's, how
 * often the agent's last-seen time is written and how long each write counts it online.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { AgentClient, type Offer } from '@/testing/agent-client';
import { eventually } from '@/testing/eventually';
import { dynamoDbFixture } from '@/testing/fixtures';
import { organiserStoreFixture } from '@/testing/organiser-store';
import { offerRecordedRound } from '@/testing/recorded-rounds';
import { jsonOf, type Reply, webAppFixture } from '@/testing/web-app';
import { AgentRecords, agentOnline } from '../store/agent-records';
import { newRemoteTeam } from '../store/team-records';
import { AgentApi, SEEN_BETWEEN_ROUNDS, SEEN_IN_ROUND } from './agent-api';
import { AGENT_CALL_BUDGET, HELD_POLLS_PER_TEAM } from './agent-budget';
import { AGENT_LIMITS } from './agent-schemas';
import { HttpError } from './http';

const SECRET = 'agent-api-test-secret';
const ORGANISER = { authorization: `Bearer ${SECRET}` };

const db = dynamoDbFixture();
const store = organiserStoreFixture(db);
const web = webAppFixture(db, store, { secret: SECRET });

function organiser(method: string, pathname: string, body?: unknown): Promise<Reply> {
  return web().send(method, pathname, { body, headers: ORGANISER });
}

async function addRemoteTeam(slug: string): Promise<string> {
  const reply = await organiser('POST', '/api/admin/teams', { kind: 'remote', slug, name: `Team ${slug}` });
  expect([reply.status, reply.text]).toEqual([201, expect.any(String)]);
  return jsonOf<{ joinToken: string }>(reply).joinToken;
}

const agentOf = (token: string, from?: string) => new AgentClient(web().port, token, from);

let blue: AgentClient;
let green: AgentClient;

beforeAll(async () => {
  blue = agentOf(await addRemoteTeam('blue-whales'));
  green = agentOf(await addRemoteTeam('green-frogs'));
});

describe('a remote team and its join token', () => {
  it('is added with a join token (wsj_ and 43 base64url characters) that only the organiser sees', async () => {
    expect(blue.token).toMatch(/^wsj_[A-Za-z0-9_-]{43}$/);
    expect(blue.token).not.toBe(green.token);
    const team = await store().getTeam('blue-whales');
    expect(team).toMatchObject({ kind: 'remote', remote: { lastSeenAt: null, agent: null } });
    expect(JSON.stringify(team)).not.toContain(blue.token);

    const shown = await organiser('GET', '/api/admin/teams/blue-whales/token');
    expect(shown.status).toBe(200);
    expect(jsonOf(shown)).toMatchObject({
      joinToken: blue.token,
      joinCommand: expect.stringMatching(/^npm install && npm start -- --join http:\/\/\S+ --token wsj_/),
    });
    expect(jsonOf<{ joinCommand: string }>(shown).joinCommand.endsWith(`--token ${blue.token}`)).toBe(true);

    for (const pathname of ['/api/scoreboard', '/api/teams/blue-whales', '/teams/blue-whales', '/']) {
      const reply = await web().send('GET', pathname);
      expect(reply.status, pathname).toBe(200);
      expect(reply.text, pathname).not.toContain(blue.token);
    }
    expect((await web().send('GET', '/api/admin/teams/blue-whales/token')).status).toBe(401);
  });

  it('keeps only the token’s SHA-256 in the organiser store, never the token', async () => {
    const record = await new AgentRecords(store()).tokenOf('blue-whales');
    expect(record?.hash).toMatch(/^[0-9a-f]{64}$/);
    const everything = JSON.stringify(await store().documents.send(new ScanCommand({ TableName: store().tableName })));
    expect(everything).not.toContain(blue.token.slice(4));
  });

  it('says hello to its own team and marks the agent seen, with what it said about itself', async () => {
    const reply = await blue.hello();
    expect(reply.status).toBe(200);
    expect(jsonOf(reply)).toMatchObject({
      team: { slug: 'blue-whales', name: 'Team blue-whales' },
      teamPageUrl: expect.stringMatching(/\/teams\/blue-whales$/),
      settings: { roundIntervalSeconds: expect.any(Number), paused: false },
      agent: AGENT_LIMITS,
    });
    expect((await store().getTeam('blue-whales'))?.remote).toEqual({
      lastSeenAt: expect.any(String),
      seenUntil: expect.any(String),
      agent: { version: 'test', pipeline: 'solution', host: 'test-laptop' },
    });
    expect((await store().getTeam('green-frogs'))?.remote?.lastSeenAt).toBeNull();
  });

  it('is refused with 401 and a sentence without a token, with a malformed one or an unknown one', async () => {
    for (const authorization of [undefined, 'Bearer nope', `Bearer wsj_${'A'.repeat(43)}`, `Basic ${blue.token}`]) {
      const reply = await web().send('GET', '/api/agent/hello', { headers: authorization ? { authorization } : {}, from: '127.0.3.1' });
      expect([reply.status, jsonOf(reply).error], authorization).toEqual([401, expect.stringMatching(/join token/)]);
      expect(reply.headers['www-authenticate']).toBe('Bearer realm="agent"');
    }
  });

  it('grants nothing on organiser endpoints: there it is a wrong organiser secret', async () => {
    for (const [method, pathname] of [
      ['GET', '/api/admin/scoreboard'],
      ['GET', '/api/admin/teams/blue-whales/token'],
      ['POST', '/api/admin/teams/blue-whales/token'],
    ] as const) {
      const reply = await web().send(method, pathname, { headers: { authorization: `Bearer ${blue.token}` }, from: '127.0.3.2' });
      expect([reply.status, jsonOf(reply).error], `${method} ${pathname}`).toEqual([401, 'wrong organiser secret']);
    }
  });

  it('slows down an address sending wrong tokens (429, Retry-After), while a token known valid still works there and other addresses are untouched', async () => {
    const address = '127.0.3.3';
    const neighbour = agentOf(blue.token, address);
    expect((await neighbour.hello()).status).toBe(200);
    const wrong = agentOf(`wsj_${'B'.repeat(43)}`, address);
    for (let guess = 0; guess < 5; guess++) expect((await wrong.hello()).status).toBe(401);
    expect(jsonOf(await wrong.hello()).error).toMatch(/next try is possible in 1 s/);
    const throttled = await wrong.hello();
    expect([throttled.status, throttled.headers['retry-after'], jsonOf(throttled).error]).toEqual([
      429,
      '1',
      expect.stringMatching(/too many wrong join tokens/),
    ]);
    expect((await agentOf(green.token, address).hello()).status).toBe(429);
    expect((await neighbour.hello()).status).toBe(200);
    expect((await agentOf(green.token, '127.0.3.4').hello()).status).toBe(200);
  });

  it('is replaced by a regenerated token (the old one refused at once) and refused once revoked', async () => {
    const team = 'red-pandas';
    const first = agentOf(await addRemoteTeam(team), '127.0.4.1');
    expect((await first.hello()).status).toBe(200);
    const regenerated = await organiser('POST', `/api/admin/teams/${team}/token`);
    expect(regenerated.status).toBe(200);
    const second = agentOf(jsonOf<{ joinToken: string }>(regenerated).joinToken, '127.0.4.2');
    expect(second.token).not.toBe(first.token);
    expect(jsonOf(await first.hello()).error).toMatch(/refused/);
    expect((await second.hello()).status).toBe(200);
    expect(jsonOf(await organiser('GET', `/api/admin/teams/${team}/token`))).toMatchObject({ joinToken: second.token });

    expect(jsonOf(await organiser('DELETE', `/api/admin/teams/${team}/token`))).toEqual({ revoked: true });
    expect((await second.hello()).status).toBe(401);
    expect((await organiser('GET', `/api/admin/teams/${team}/token`)).status).toBe(404);

    const third = agentOf(jsonOf<{ joinToken: string }>(await organiser('POST', `/api/admin/teams/${team}/token`)).joinToken, '127.0.4.3');
    expect((await third.hello()).status).toBe(200);
    expect((await organiser('DELETE', `/api/admin/teams/${team}`)).status).toBe(200);
    expect((await third.hello()).status).toBe(401);
  });

  it('is only for remote teams', async () => {
    expect((await organiser('POST', '/api/admin/teams', { kind: 'local', slug: 'locals', name: 'Locals' })).status).toBe(201);
    expect((await organiser('POST', '/api/admin/teams/locals/token')).status).toBe(400);
    expect((await organiser('GET', '/api/admin/teams/locals/token')).status).toBe(404);
    const extra = await organiser('POST', '/api/admin/teams', { kind: 'remote', slug: 'x1', name: 'X', roleArn: 'arn' });
    expect([extra.status, jsonOf(extra).error]).toEqual([400, 'unknown field "roleArn"']);
  });
});

describe('a round through the agent API', () => {
  let offer: Offer;

  it('answers 204 when the team has no open round, and holds a long poll until one is offered', async () => {
    expect((await blue.next(0, 0)).status).toBe(204);
    const waiting = blue.nextOffer(0, 25);
    await offerRecordedRound(store(), 'blue-whales', 1);
    offer = (await waiting)!;
    expect(offer).toMatchObject({
      number: 1,
      lab: 1,
      seed: 1,
      messages: 200,
      deadlineSeconds: 30,
      started: null,
      failurePercentages: { state: 0, map: 0, reduce: 0 },
    });
    expect(Date.parse(offer.startBy) - Date.parse(offer.offeredAt)).toBe(15_000);
    expect(await blue.nextOffer(1, 0)).toBeNull();
    expect(await green.nextOffer(0, 0)).toBeNull();
  });

  it('lets the first startId win the round; the same startId again gets the same answer, another one 409', async () => {
    expect((await green.start(1, 'green-start-1', {})).status).toBe(404);
    const startId = randomUUID();
    const first = await blue.start(1, startId, { PV: '10.5', message_count: '3' });
    expect(first.status).toBe(200);
    const started = jsonOf<{ startedAt: string }>(first);
    expect(jsonOf(first)).toEqual({ number: 1, startId, startedAt: expect.any(String) });
    expect(jsonOf(await blue.start(1, startId, { PV: '10.5' }))).toEqual(jsonOf(first));
    const other = await blue.start(1, 'another-run-of-the-agent', {});
    expect([other.status, jsonOf(other)]).toEqual([409, { error: 'round 1 was already started by another run of the agent', reason: 'started-elsewhere' }]);
    expect(await store().getRound('blue-whales', 1)).toMatchObject({
      baseline: { PV: '10.5', message_count: '3' },
      sendStartedAt: started.startedAt,
      agentStart: { startId, startedAt: started.startedAt },
    });
    expect(await blue.nextOffer(1, 0)).toMatchObject({ number: 1, started: { startId, startedAt: started.startedAt } });

    const notSent = await blue.sent(1, { startId: 'another-run-of-the-agent', acknowledged: 200, durationMs: 5 });
    expect([notSent.status, jsonOf(notSent).reason]).toEqual([409, 'started-elsewhere']);
    const sent = await blue.sent(1, { startId, acknowledged: 200, durationMs: 5 });
    expect(sent.status).toBe(200);
    const body = jsonOf<{ sentAt: string; deadlineAt: string }>(sent);
    expect(Date.parse(body.deadlineAt) - Date.parse(body.sentAt)).toBe(30_000);
    expect(jsonOf(await blue.sent(1, { startId, acknowledged: 200, durationMs: 5 }))).toEqual(body);
    expect(await store().getRound('blue-whales', 1)).toMatchObject({
      sentAt: body.sentAt,
      deadlineAt: body.deadlineAt,
      agentSent: { startId, acknowledged: 200 },
    });
    expect(await blue.nextOffer(0, 0)).toBeNull();
  });

  it('refuses sent before start, and a start after startBy', async () => {
    await offerRecordedRound(store(), 'green-frogs', 2, { startBy: new Date(Date.now() - 1000).toISOString() });
    expect(await green.nextOffer(0, 0)).toBeNull();
    const early = await green.sent(2, { startId: 'green-start-2', acknowledged: 1, durationMs: 1 });
    expect([early.status, jsonOf(early).reason]).toEqual([409, 'not-started']);
    const late = await green.start(2, 'green-start-2', {});
    expect([late.status, jsonOf(late)]).toEqual([409, { error: expect.stringMatching(/^round 2 is closed: it was not started before /), reason: 'closed' }]);
  });

  it('records a burst that could not be sent, without a deadline', async () => {
    await offerRecordedRound(store(), 'green-frogs', 3);
    const offered = await green.nextOffer(2, 0);
    expect(offered?.number).toBe(3);
    expect((await green.start(3, 'green-start-3', {})).status).toBe(200);
    const failed = await green.sent(3, { startId: 'green-start-3', error: 'the agent stopped during the burst: not resent' });
    expect([failed.status, jsonOf(failed).deadlineAt]).toEqual([200, null]);
    expect((await store().getRound('green-frogs', 3))?.agentSent).toMatchObject({ error: 'the agent stopped during the burst: not resent' });
  });

  it('refuses bodies that are malformed or too large, naming the field', async () => {
    const badId = await blue.call('POST', '/api/agent/rounds/1/start', { startId: 'x', baseline: {} });
    expect([badId.status, jsonOf(badId).error]).toEqual([400, expect.stringMatching(/^startId: /)]);
    const badKey = await blue.table({ 'PV:Nowhere': '1' });
    expect([badKey.status, jsonOf(badKey).error]).toEqual([400, 'unknown field "values.PV:Nowhere"']);
    const huge = await blue.call('POST', '/api/agent/rounds/1/sent', { startId: 'abcdefgh', error: 'x'.repeat(5000) });
    expect(huge.status).toBe(413);
    expect((await blue.call('GET', '/api/agent/rounds/next?waitSeconds=99')).status).toBe(400);
  });
});

describe('table uploads and forwarded logs', () => {
  it('keeps the latest table values with the organiser’s time of receipt, refusing uploads faster than the agent’s limit', async () => {
    const first = await green.table({ PV: '1.5', message_count: '1' });
    expect(first.status).toBe(200);
    const fast = await green.table({ PV: '2.5', message_count: '2' });
    expect([fast.status, fast.headers['retry-after']]).toEqual([429, '1']);
    const kept = await new AgentRecords(store()).tableOf('green-frogs');
    expect(kept).toMatchObject({ values: { PV: '1.5', message_count: '1' }, receivedAt: jsonOf(first).receivedAt });
    expect(kept?.unreadable).toEqual([]);
  });

  it('keeps a value it cannot read as a number apart, saying why', async () => {
    const reply = await blue.table({ PV: 'lots', Delta: '-1E+2' });
    expect(reply.status).toBe(200);
    const kept = await new AgentRecords(store()).tableOf('blue-whales');
    expect(kept?.values).toEqual({ Delta: '-1E+2' });
    expect(kept?.unreadable).toEqual([{ key: 'PV', problem: 'Value is not a number: "lots"' }]);
  });

  it('keeps the newest 40 log entries per function, for the team the token names', async () => {
    const entry = (id: number) => ({
      id,
      time: new Date().toISOString(),
      team: 'someone-else',
      function: 'state',
      kind: 'output',
      level: 'info',
      message: `line ${id}`,
    });
    expect(jsonOf(await blue.logs(Array.from({ length: 30 }, (_, index) => entry(index + 1))))).toEqual({ accepted: 30 });
    expect(jsonOf(await blue.logs(Array.from({ length: 30 }, (_, index) => entry(index + 21))))).toEqual({ accepted: 30 });
    const kept = await new AgentRecords(store()).logsOf('blue-whales');
    expect(kept?.state.map((line) => line.id)).toEqual(Array.from({ length: 40 }, (_, index) => index + 11));
    expect(new Set(kept?.state.map((line) => line.team))).toEqual(new Set(['blue-whales']));
    expect(kept?.map).toEqual([]);
    expect((await blue.logs(Array.from({ length: 101 }, (_, index) => entry(index)))).status).toBe(400);
  });
});

describe('what one team’s agent may ask', () => {
  it('answers a team calling beyond its budget 429 with Retry-After, keeping nothing of the refused calls, while other teams are answered as ever', async () => {
    const red = agentOf(await addRemoteTeam('red-ants'));
    const yellow = agentOf(await addRemoteTeam('yellow-bees'));
    // Sent at once: far more than the bucket holds plus what it regains while they are answered.
    const flood = await Promise.all(Array.from({ length: AGENT_CALL_BUDGET.burst * 2 }, () => red.next(0, 0)));
    const refused = flood.filter((reply) => reply.status === 429);
    expect(flood.filter((reply) => reply.status === 204).length).toBeGreaterThanOrEqual(AGENT_CALL_BUDGET.burst);
    expect(refused.length).toBeGreaterThan(0);
    expect(flood.every((reply) => reply.status === 204 || reply.status === 429)).toBe(true);
    expect(jsonOf(refused[0]!).error).toMatch(/^your team's agent is calling faster than the organiser serves one team: try again in \d+ s$/);
    expect(Number(refused[0]!.headers['retry-after'])).toBeGreaterThanOrEqual(1);

    const logs = await red.logs([{ id: 1, time: new Date().toISOString(), function: 'state', kind: 'output', level: 'info', message: 'kept?' }]);
    expect(logs.status).toBe(429);
    expect(await new AgentRecords(store()).logsOf('red-ants')).toBeNull();
    expect((await yellow.next(0, 0)).status).toBe(204);
    expect((await yellow.hello()).status).toBe(200);

    await sleep(Number(logs.headers['retry-after']) * 1000);
    expect((await red.next(0, 0)).status).toBe(204);
  });

  it(`holds at most ${HELD_POLLS_PER_TEAM} long polls of one team at once, answering another 429 with a sentence`, async () => {
    const purple = agentOf(await addRemoteTeam('purple-moths'));
    const held = Array.from({ length: HELD_POLLS_PER_TEAM }, () => purple.next(0, 5));
    const beyond = await eventually(
      'a long poll beyond the held ones refused',
      () => purple.next(0, 1),
      (reply) => reply.status === 429,
      { timeoutMs: 5000 },
    );
    expect(jsonOf(beyond).error).toBe(
      `your team already has ${HELD_POLLS_PER_TEAM} long polls held on this organiser (one agent holds one): is the agent running more than once?`,
    );
    expect(beyond.headers['retry-after']).toBe('5');
    expect((await Promise.all(held)).map((reply) => reply.status)).toEqual(Array(HELD_POLLS_PER_TEAM).fill(204));
    expect((await purple.next(0, 1)).status).toBe(204);
  });
});

describe('the agent’s last-seen time', () => {
  it('is written every 15 s, counting the agent online 30 s, but every 5 s, counting it online 10 s, from its start to its next upload', async () => {
    await store().createTeam(newRemoteTeam('paced', 'Paced', 'local'));
    const t0 = Date.parse('2026-05-01T10:00:00.000Z');
    let now = t0;
    const api = new AgentApi(store(), new AgentRecords(store()), undefined, 0, () => now);
    const seenAt = async (at: number) => {
      now = at;
      await api.seen('paced');
      return (await store().getTeam('paced'))!;
    };
    const iso = (at: number) => new Date(at).toISOString();
    /** The last-seen time written once the agent was seen at `at`. */
    const lastWriteAt = async (at: number) => (await seenAt(at)).remote?.lastSeenAt;

    let team = await seenAt(t0);
    expect(team.remote).toMatchObject({ lastSeenAt: iso(t0), seenUntil: iso(t0 + SEEN_BETWEEN_ROUNDS.onlineForMs) });
    expect([agentOnline(team, t0 + 30_000), agentOnline(team, t0 + 30_001)]).toEqual([true, false]);
    expect(await lastWriteAt(t0 + 15_000)).toBe(iso(t0)); // not written again within 15 s
    expect(await lastWriteAt(t0 + 16_000)).toBe(iso(t0 + 16_000));

    // The agent starts a round (refused here: the team has none; the agent is playing all the same).
    now = t0 + 17_000;
    await expect(api.start('paced', 1, { startId: 'start-0001', baseline: {}, unreadable: [] })).rejects.toBeInstanceOf(HttpError);
    team = (await store().getTeam('paced'))!;
    expect(team.remote).toMatchObject({ lastSeenAt: iso(t0 + 17_000), seenUntil: iso(t0 + 17_000 + SEEN_IN_ROUND.onlineForMs) });
    expect(await lastWriteAt(t0 + 22_000)).toBe(iso(t0 + 17_000));
    team = await seenAt(t0 + 23_000);
    expect(team.remote?.lastSeenAt).toBe(iso(t0 + 23_000));
    // Gone now: offline 10 s after the last write, as a round's diagnosis needs.
    expect([agentOnline(team, t0 + 33_000), agentOnline(team, t0 + 33_001)]).toEqual([true, false]);

    // Its table uploaded, the round no longer looks at the agent's last-seen time: written at once for 30 s, then every 15 s.
    now = t0 + 24_000;
    expect((await api.table('paced', { values: { PV: '1' }, unreadable: [], readAt: null })).status).toBe(200);
    team = (await store().getTeam('paced'))!;
    expect(team.remote).toMatchObject({ lastSeenAt: iso(t0 + 24_000), seenUntil: iso(t0 + 24_000 + SEEN_BETWEEN_ROUNDS.onlineForMs) });
    expect(await lastWriteAt(t0 + 39_000)).toBe(iso(t0 + 24_000));
    expect(await lastWriteAt(t0 + 40_000)).toBe(iso(t0 + 40_000));

    // Two minutes after a start with no upload, the faster pace ends too.
    now = t0 + 41_000;
    await expect(api.start('paced', 2, { startId: 'start-0002', baseline: {}, unreadable: [] })).rejects.toBeInstanceOf(HttpError);
    expect((await store().getTeam('paced'))?.remote?.seenUntil).toBe(iso(t0 + 41_000 + SEEN_IN_ROUND.onlineForMs));
    team = await seenAt(t0 + 41_000 + 120_000);
    expect(team.remote?.seenUntil).toBe(iso(t0 + 161_000 + SEEN_BETWEEN_ROUNDS.onlineForMs));
    expect(await lastWriteAt(t0 + 161_000 + 15_000)).toBe(iso(t0 + 161_000));
  });

  it('counts a record written before seenUntil existed online for 10 s after lastSeenAt', () => {
    const lastSeenAt = '2026-05-01T10:00:00.000Z';
    const team = { remote: { lastSeenAt, agent: null } };
    expect([agentOnline(team, Date.parse(lastSeenAt) + 10_000), agentOnline(team, Date.parse(lastSeenAt) + 10_001)]).toEqual([true, false]);
    expect(agentOnline({ remote: { lastSeenAt: null, seenUntil: null, agent: null } }, Date.now())).toBe(false);
  });
});
