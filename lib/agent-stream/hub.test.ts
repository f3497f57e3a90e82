/**
 * The agent stream's organiser end (./hub.ts) against a real organiser store in DynamoDB Local, with
 * real WebSockets (`ws`) on loopback, reached directly and through the web server's pass-through
 * (./pass-through.ts on a plain Node server: the bytes it passes do not depend on Next.js): the join
 * token at the upgrade, offers, the calls answered as over HTTP and recorded in the store, what the
 * round reads from memory, the call budget, a newer link replacing an older, a revoked token's link
 * closed, and the agent written offline when its link closes.
 */

import { once } from 'node:events';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { joinToken, newTokenNonce, tokenHash } from '@/lib/auth/join-tokens';
import { AgentRecords, agentOnline, type RemoteRoundReads } from '@/lib/store/agent-records';
import type { OrganiserStore } from '@/lib/store/organiser-store';
import { newRemoteTeam } from '@/lib/store/team-records';
import type { Round } from '@/lib/store/types';
import { eventually } from '@/testing/eventually';
import { dynamoDbFixture } from '@/testing/fixtures';
import { organiserStoreFixture } from '@/testing/organiser-store';
import { offerRecordedRound } from '@/testing/recorded-rounds';
import { AGENT_STREAM_PATH, CLOSE_CODES, type OrganiserFrame } from './frames';
import { AgentHub } from './hub';
import { passAgentStream } from './pass-through';

const SECRET = 'hub-test-secret';
const db = dynamoDbFixture();
const store = organiserStoreFixture(db);

let records: AgentRecords;
let hub: AgentHub;
let hubPort: number;
let leading = true;
const logged: string[] = [];
/** Store reads the round made because the hub did not answer from memory. */
const storeLooks: string[] = [];
let reads: RemoteRoundReads;

async function addRemoteTeam(target: OrganiserStore, slug: string): Promise<string> {
  await target.createTeam(newRemoteTeam(slug, `Team ${slug}`, 'eu-west-1'));
  const nonce = newTokenNonce();
  const token = joinToken(SECRET, slug, nonce);
  expect(await records.replaceToken({ team: slug, hash: tokenHash(token), nonce, createdAt: new Date().toISOString() })).toBe(true);
  return token;
}

/** A WebSocket to `port` with `token`, its frames collected; `refused` is the HTTP status of a refused upgrade. */
class TestLink {
  readonly frames: OrganiserFrame[] = [];
  readonly socket: WebSocket;
  readonly opened: Promise<{ refused: number | null; body: string }>;
  readonly closed: Promise<{ code: number; reason: string }>;
  private nextId = 1;

  constructor(port: number, token: string | null, path = AGENT_STREAM_PATH) {
    this.socket = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    this.socket.on('message', (data) => this.frames.push(JSON.parse(data.toString()) as OrganiserFrame));
    this.opened = new Promise((resolve) => {
      this.socket.once('open', () => resolve({ refused: null, body: '' }));
      this.socket.once('unexpected-response', (_request, response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        response.on('end', () => resolve({ refused: response.statusCode ?? 0, body }));
      });
      this.socket.once('error', () => resolve({ refused: -1, body: '' }));
    });
    this.closed = new Promise((resolve) => this.socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  /** Sends a call and answers its answer frame. */
  async call(method: 'POST' | 'PUT', path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown>; retryAfterSeconds?: number }> {
    const id = this.nextId++;
    this.socket.send(JSON.stringify({ id, method, path, body }));
    const answer = await eventually(`the answer to call ${id}`, () => this.frames.find((frame) => frame.type === 'answer' && frame.id === id));
    return answer as { status: number; body: Record<string, unknown>; retryAfterSeconds?: number };
  }

  offers(): Array<{ number: number; started: unknown }> {
    return this.frames.filter((frame) => frame.type === 'offer').map((frame) => frame.offer as { number: number; started: unknown });
  }

  close(): Promise<unknown> {
    this.socket.close();
    return this.closed;
  }
}

/** Waits until `check` passes (its last failure is the test's). */
function holds(what: string, check: () => unknown): Promise<unknown> {
  return eventually(what, async () => {
    await check();
    return true;
  });
}

beforeAll(async () => {
  records = new AgentRecords(store());
  hub = new AgentHub({ store: store(), records, leading: () => leading, log: (line) => logged.push(line), tokenCheckMs: 300, storeIdentity: 'this-store' });
  hubPort = await hub.listen(0);
  const fallback = records.batchedRoundReads(0);
  reads = {
    round: (slug, number) => {
      storeLooks.push(`round ${slug}#${number}`);
      return fallback.round(slug, number);
    },
    upload: (slug) => {
      storeLooks.push(`upload ${slug}`);
      return fallback.upload(slug);
    },
    team: (slug) => {
      storeLooks.push(`team ${slug}`);
      return fallback.team(slug);
    },
  };
  reads = hub.reads(reads);
});

afterAll(() => hub?.close());

describe('opening the agent stream', () => {
  it('refuses an upgrade without a join token, with a wrong one, and while the scheduler does not lead', async () => {
    const token = await addRemoteTeam(store(), 'gate-team');
    const none = await new TestLink(hubPort, null).opened;
    expect(none.refused).toBe(401);
    expect(JSON.parse(none.body).error).toMatch(/no join token/);
    const wrong = await new TestLink(hubPort, `wsj_${'x'.repeat(43)}`).opened;
    expect(wrong.refused).toBe(401);
    expect(JSON.parse(wrong.body).error).toMatch(/join token was refused/);
    leading = false;
    try {
      const standby = await new TestLink(hubPort, token).opened;
      expect(standby.refused).toBe(503);
      expect(JSON.parse(standby.body).error).toMatch(/use the HTTP calls/);
    } finally {
      leading = true;
    }
    const link = new TestLink(hubPort, token);
    expect((await link.opened).refused).toBeNull();
    expect(hub.linked('gate-team')).toBe(true);
    await link.close();
  });

  it('passes through the web server: upgrades at /api/agent/stream reach the hub, others are 404, and 503 without a hub or for another store', async () => {
    const token = await addRemoteTeam(store(), 'passing-team');
    const targets = [{ port: hubPort, store: 'this-store' }, null, { port: hubPort, store: 'another-store' }];
    const servers = targets.map((target) => {
      const server = http.createServer((_request, response) => response.writeHead(404).end());
      server.on('upgrade', (request, socket, head) => passAgentStream(request, socket, head, target));
      return server.listen(0, '127.0.0.1');
    });
    try {
      await Promise.all(servers.map((server) => (server.listening ? undefined : once(server, 'listening'))));
      const [withHub, without, otherStore] = servers.map((server) => (server.address() as { port: number }).port) as [number, number, number];
      const link = new TestLink(withHub, token);
      expect((await link.opened).refused).toBeNull();
      const answer = await link.call('PUT', '/api/agent/table', { values: { PV: '1.00' }, unreadable: [] });
      expect(answer.status).toBe(200);
      await link.close();
      const again = new TestLink(withHub, token);
      expect((await again.opened).refused).toBeNull();
      expect((await again.call('PUT', '/api/agent/table', { values: { PV: '2.00' }, unreadable: [] })).status).toBe(200);
      await again.close();
      expect((await new TestLink(withHub, token, '/api/other').opened).refused).toBe(404);
      const refused = await new TestLink(without, token).opened;
      expect(refused.refused).toBe(503);
      expect(JSON.parse(refused.body).error).toMatch(/HTTP calls/);
      const misrouted = await new TestLink(otherStore, token).opened;
      expect(misrouted.refused).toBe(503);
      expect(JSON.parse(misrouted.body).error).toMatch(/serves another organiser store/);
    } finally {
      for (const server of servers) server.close();
    }
  });
});

describe('a round over the stream', () => {
  let token: string;
  let round: Round;
  let link: TestLink;

  beforeAll(async () => {
    token = await addRemoteTeam(store(), 'stream-team');
    round = await offerRecordedRound(store(), 'stream-team', 7);
  });

  it('offers the open round on linking (a leader since: from the store) and each new round at once', async () => {
    link = new TestLink(hubPort, token);
    expect((await link.opened).refused).toBeNull();
    await holds('round 7 offered', () => expect(link.offers().map((offer) => offer.number)).toEqual([7]));
    const next = { ...round, number: 8 };
    hub.offer(next);
    await holds('round 8 offered', () => expect(link.offers().map((offer) => offer.number)).toEqual([7, 8]));
    hub.offer(round); // back to round 7 for what follows (the store has only round 7)
  });

  it('answers the round’s looks before the start from memory while the agent is linked, every fourth from the store', async () => {
    storeLooks.length = 0;
    for (let look = 0; look < 8; look++) expect(await reads.round('stream-team', 7)).toMatchObject({ number: 7, offer: expect.any(Object) });
    expect(storeLooks).toEqual(['round stream-team#7', 'round stream-team#7']);
  });

  it('records start and sent in the store as over HTTP, and the round reads them from memory', async () => {
    const started = await link.call('POST', '/api/agent/rounds/7/start', { startId: 'start-aaaa-1', baseline: { PV: '0.00' }, unreadable: [] });
    expect(started).toMatchObject({ status: 200, body: { number: 7, startId: 'start-aaaa-1', startedAt: expect.any(String) } });
    expect((await store().getRound('stream-team', 7))?.agentStart?.startId).toBe('start-aaaa-1');
    const elsewhere = await link.call('POST', '/api/agent/rounds/7/start', { startId: 'start-bbbb-2', baseline: {}, unreadable: [] });
    expect(elsewhere).toMatchObject({ status: 409, body: { reason: 'started-elsewhere' } });

    storeLooks.length = 0;
    const read = await reads.round('stream-team', 7);
    expect(read).toMatchObject({ agentStart: { startId: 'start-aaaa-1' }, baseline: { PV: '0.00' } });
    expect(storeLooks).toEqual([]);

    const sent = await link.call('POST', '/api/agent/rounds/7/sent', { startId: 'start-aaaa-1', acknowledged: 200, durationMs: 120 });
    expect(sent).toMatchObject({ status: 200, body: { number: 7, deadlineAt: expect.any(String) } });
    expect((await store().getRound('stream-team', 7))?.agentSent).toMatchObject({ acknowledged: 200 });
    expect(await reads.round('stream-team', 7)).toMatchObject({ agentSent: { acknowledged: 200 }, deadlineAt: expect.any(String) });
    expect(storeLooks).toEqual([]);
  });

  it('answers bad calls with the HTTP route’s status and sentence', async () => {
    const badBody = await link.call('POST', '/api/agent/rounds/7/sent', { startId: 'x' });
    expect(badBody.status).toBe(400);
    expect(String(badBody.body.error)).toMatch(/startId/);
    expect((await link.call('POST', '/api/agent/rounds/99/start', { startId: 'start-cccc-3', baseline: {}, unreadable: [] })).status).toBe(404);
    const unknown = await link.call('POST', '/api/agent/hello', {});
    expect(unknown.status).toBe(404);
    expect(String(unknown.body.error)).toMatch(/no call POST \/api\/agent\/hello/);
  });

  it('keeps uploads and logs in memory for the round, and writes them for the team page', async () => {
    const [upload, tooSoon] = await Promise.all([
      link.call('PUT', '/api/agent/table', { values: { PV: '10.50', message_count: '1' }, unreadable: [], readAt: null }),
      link.call('PUT', '/api/agent/table', { values: { PV: '10.60' }, unreadable: [] }),
    ]);
    expect(upload.status).toBe(200);
    expect(tooSoon).toMatchObject({ status: 429, retryAfterSeconds: 1 });
    storeLooks.length = 0;
    expect(await reads.upload('stream-team')).toMatchObject({ values: { PV: '10.50', message_count: '1' }, receivedAt: upload.body.receivedAt });
    expect(await reads.team('stream-team').then((team) => team && agentOnline(team, Date.now()))).toBe(true);
    expect(storeLooks).toEqual([]);
    const logs = await link.call('POST', '/api/agent/logs', {
      entries: [{ id: 1, time: new Date().toISOString(), function: 'state', kind: 'output', level: 'info', message: 'hello from state' }],
    });
    expect(logs).toMatchObject({ status: 200, body: { accepted: 1 } });
    await holds('the table written', async () => expect((await records.tableOf('stream-team'))?.values).toEqual({ PV: '10.50', message_count: '1' }));
    await holds('the logs written', async () =>
      expect((await records.logsOf('stream-team'))?.state.map((entry) => entry.message)).toEqual(['hello from state']),
    );
  });

  it('writes the agent offline when its link closes, and the round reads the store again', async () => {
    await link.close();
    await holds('the agent written offline', async () => {
      const team = await store().getTeam('stream-team');
      expect(team && agentOnline(team, Date.now() + 1)).toBe(false);
    });
    storeLooks.length = 0;
    await reads.upload('stream-team');
    expect(storeLooks).toEqual(['upload stream-team']);
  });
});

describe('what one team’s link may do', () => {
  it('refuses calls beyond the team’s budget with 429 and Retry-After', async () => {
    const token = await addRemoteTeam(store(), 'busy-team');
    const link = new TestLink(hubPort, token);
    expect((await link.opened).refused).toBeNull();
    const answers = await Promise.all(Array.from({ length: 80 }, () => link.call('POST', '/api/agent/rounds/1/start', { startId: 'x' })));
    const refused = answers.filter((answer) => answer.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]).toMatchObject({
      retryAfterSeconds: expect.any(Number),
      body: { error: expect.stringMatching(/faster than the organiser serves one team/) },
    });
    await link.close();
  });

  it('replaces an older link of the same team, and closes one whose token was revoked', async () => {
    const token = await addRemoteTeam(store(), 'twice-team');
    const first = new TestLink(hubPort, token);
    expect((await first.opened).refused).toBeNull();
    const second = new TestLink(hubPort, token);
    expect((await second.opened).refused).toBeNull();
    expect((await first.closed).code).toBe(CLOSE_CODES.replaced);
    await records.revokeToken('twice-team');
    expect(await second.closed).toMatchObject({ code: CLOSE_CODES.tokenRefused, reason: expect.stringMatching(/revoked or regenerated/) });
  });

  it('closes a link that sends frames other than calls', async () => {
    const token = await addRemoteTeam(store(), 'noisy-team');
    const link = new TestLink(hubPort, token);
    expect((await link.opened).refused).toBeNull();
    link.socket.send('not json');
    expect((await link.closed).code).toBe(CLOSE_CODES.unreadable);
  });
});
