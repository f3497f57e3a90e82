/**
 * The agent's end of the organiser's agent stream against a stand-in hub: a real `ws` server on
 * 127.0.0.1 behind an HTTP server that also answers the same calls over HTTP and counts them. Calls
 * go over the stream while it is open (no HTTP request) and its answers are read as HTTP's are (409,
 * 429); offers reach nextRound, an old unstarted one ignored; a refused upgrade (401) or a link
 * closed for a revoked token (4001) stops the stream, and the agent, with TokenRefusedError; no
 * stream offered (503) or a replaced link (4000) leaves the client on HTTP calls; a link closing
 * mid-call fails the call as unreachable.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { AGENT_STREAM_PATH, type AnswerFrame, type CallFrame, CLOSE_CODES, MAX_FRAME_BYTES, type OfferFrame } from '@/lib/agent-stream/frames';
import { refuseUpgrade } from '@/lib/agent-stream/refuse-upgrade';
import { TokenRefusedError } from '@/lib/errors';
import { localResources } from '@/lib/pipeline-resources';
import { eventually } from '@/testing/eventually';
import { runAgent } from '@/testing/running-agent';
import { Agent } from './agent';
import { OrganiserClient } from './organiser-client';
import { AgentCallRefusedError, OrganiserUnreachableError } from './organiser-errors';
import type { RoundOffer } from './protocol';

const TOKEN = `wsj_${'b'.repeat(43)}`;
const TEAM = { slug: 'blue-whales', name: 'Blue Whales' };

/** What the stand-in answers to a call, over either transport: status, JSON body and a 429's Retry-After; null leaves it unanswered. */
type Reply = Omit<AnswerFrame, 'type' | 'id'> | null;

/**
 * The organiser's web port as the agent sees it: `GET /api/agent/stream` upgraded (or refused as
 * `refuseUpgrade` says), every other request answered over HTTP by `respond` and recorded in `httpRequests`.
 */
class StandInHub {
  /** Answer the upgrade with this status and `{ error }` instead of accepting it. */
  refuseUpgrade: { status: number; error: string } | null = null;
  respond: (method: string, path: string, body: unknown) => Reply = () => ({ status: 404, body: { error: 'no such call' } });
  /** `GET /api/agent/stream` and so on: every HTTP request apart from upgrades. */
  readonly httpRequests: string[] = [];
  readonly streamCalls: CallFrame[] = [];
  readonly links: WebSocket[] = [];
  private readonly sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  private readonly server = http.createServer((request, response) => this.answerHttp(request, response));

  static async start(): Promise<StandInHub> {
    const hub = new StandInHub();
    hub.server.on('upgrade', (request, socket, head) => {
      const refusal =
        request.url !== AGENT_STREAM_PATH
          ? { status: 404, error: 'no such path' }
          : (hub.refuseUpgrade ?? (request.headers.authorization === `Bearer ${TOKEN}` ? null : { status: 401, error: 'unknown token' }));
      if (refusal) {
        refuseUpgrade(socket, refusal.status, refusal.error);
        return;
      }
      hub.sockets.handleUpgrade(request, socket, head, (link) => hub.accept(link));
    });
    await new Promise<void>((resolve) => hub.server.listen(0, '127.0.0.1', resolve));
    return hub;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The newest link, once one is open. */
  get link(): WebSocket | undefined {
    return this.links.at(-1);
  }

  offer(offer: RoundOffer): void {
    const frame: OfferFrame = { type: 'offer', offer };
    this.link?.send(JSON.stringify(frame));
  }

  async stop(): Promise<void> {
    for (const link of this.links) link.terminate();
    await new Promise((resolve) => this.sockets.close(resolve));
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private accept(link: WebSocket): void {
    this.links.push(link);
    link.on('message', (data) => {
      const call = JSON.parse(data.toString()) as CallFrame;
      this.streamCalls.push(call);
      const reply = this.respond(call.method, call.path, call.body);
      if (reply) link.send(JSON.stringify({ type: 'answer', id: call.id, ...reply } satisfies AnswerFrame));
    });
  }

  private answerHttp(request: http.IncomingMessage, response: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const method = request.method ?? 'GET';
      const path = request.url ?? '/';
      this.httpRequests.push(`${method} ${path}`);
      const reply = this.respond(method, path, chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined);
      if (!reply) return; // held until the hub stops
      const headers = { 'content-type': 'application/json', ...(reply.retryAfterSeconds ? { 'retry-after': String(reply.retryAfterSeconds) } : {}) };
      response.writeHead(reply.status, headers);
      response.end(JSON.stringify(reply.body));
    });
  }
}

function roundOffer(number: number, started: RoundOffer['started'] = null): RoundOffer {
  const now = Date.now();
  return {
    number,
    lab: 1,
    seed: number,
    messages: 100,
    failurePercentages: { state: 0, map: 0, reduce: 0 },
    deadlineSeconds: 30,
    offeredAt: new Date(now).toISOString(),
    startBy: new Date(now + 15_000).toISOString(),
    started,
  };
}

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function standInHub(): Promise<StandInHub> {
  const hub = await StandInHub.start();
  cleanups.push(() => hub.stop());
  return hub;
}

function clientOf(hub: StandInHub): OrganiserClient {
  return new OrganiserClient(hub.url, TOKEN, { version: 'test', pipeline: 'solution', host: 'test' });
}

/** Keeps the client's stream running (as the agent does) until the test ends; its outcome is what run settled with. */
function runStream(client: OrganiserClient) {
  const lines: string[] = [];
  const controller = new AbortController();
  const outcome = client.stream
    .run(controller.signal, (line) => lines.push(line))
    .then(
      () => null,
      (error: unknown) => error,
    );
  cleanups.push(async () => {
    controller.abort();
    await outcome;
  });
  return { lines, outcome };
}

/** A client whose stream is open. */
async function connectedClient(hub: StandInHub) {
  const client = clientOf(hub);
  const { lines } = runStream(client);
  await eventually('the stream open', () => client.stream.open && hub.link);
  expect(lines).toContain("connected to the organiser's agent stream");
  return { client, lines };
}

const START = { startId: 'start-7', baseline: { message_count: '0' }, unreadable: [] };

describe("the organiser's agent stream", () => {
  it('carries a call and its answer, with no HTTP request', async () => {
    const hub = await standInHub();
    const startedAt = new Date().toISOString();
    hub.respond = (method, path) =>
      method === 'POST' && path === '/api/agent/rounds/7/start' ? { status: 200, body: { number: 7, startId: 'start-7', startedAt } } : null;
    const { client } = await connectedClient(hub);

    expect(await client.start(7, START)).toEqual({ number: 7, startId: 'start-7', startedAt });
    expect(hub.streamCalls).toEqual([{ id: expect.any(Number), method: 'POST', path: '/api/agent/rounds/7/start', body: START }]);
    expect(hub.httpRequests).toEqual([]);
  });

  it('brings offers to nextRound, ignoring one not started that the agent has had, and tells of frames it cannot read', async () => {
    const hub = await standInHub();
    const { client, lines } = await connectedClient(hub);

    const next = client.nextRound(3, 25);
    hub.link?.send('not json');
    hub.link?.send(JSON.stringify({ type: 'gossip' }));
    hub.offer(roundOffer(3));
    hub.offer(roundOffer(4));
    expect((await next)?.number).toBe(4);

    hub.respond = () => ({ status: 200, body: { accepted: 0 } });
    const started = { startId: 'start-2', startedAt: new Date().toISOString() };
    hub.offer(roundOffer(2, started));
    await client.postLogs({ entries: [] }); // answered after the offer on the same link: the offer came while no one waited
    const held = await client.nextRound(4, 5);
    expect(held && { number: held.number, started: held.started }).toEqual({ number: 2, started }); // started: wanted whatever `after` says
    expect(lines.filter((line) => line.startsWith('ignored a frame'))).toHaveLength(2);
    expect(hub.httpRequests).toEqual([]);
  });

  it('reads 409 and 429 answers as it reads them over HTTP', async () => {
    const hub = await standInHub();
    hub.respond = (_method, path) =>
      path.endsWith('/start')
        ? { status: 409, body: { error: 'round 7 was already started by another run of the agent', reason: 'started-elsewhere' } }
        : { status: 429, body: { error: 'too many calls from your team' }, retryAfterSeconds: 7 };
    const overHttp = clientOf(hub);
    const httpRefusal = await overHttp.start(7, START).catch((error: unknown) => error);
    const httpThrottle = await overHttp.putTable({ values: {}, unreadable: [], readAt: new Date().toISOString() }).catch((error: unknown) => error);
    expect(hub.httpRequests).toHaveLength(2);

    const { client } = await connectedClient(hub);
    const refusal = await client.start(7, START).catch((error: unknown) => error);
    const throttle = await client.putTable({ values: {}, unreadable: [], readAt: new Date().toISOString() }).catch((error: unknown) => error);
    expect(hub.streamCalls).toHaveLength(2);
    expect(hub.httpRequests).toHaveLength(2);

    expect(refusal).toBeInstanceOf(AgentCallRefusedError);
    expect(refusal).toMatchObject({ status: 409, reason: 'started-elsewhere', message: (httpRefusal as Error).message });
    expect((refusal as Error).message).toBe('POST /api/agent/rounds/7/start was refused (409): round 7 was already started by another run of the agent');
    expect(throttle).toBeInstanceOf(OrganiserUnreachableError);
    expect(throttle).toMatchObject({ retryAfterSeconds: 7, message: (httpThrottle as Error).message });
    expect(httpThrottle).toMatchObject({ retryAfterSeconds: 7 });
  });

  it('fails a call and ends a wait for an offer when the link closes before the answer, then reconnects', async () => {
    const hub = await standInHub();
    const { client, lines } = await connectedClient(hub);
    const first = hub.link;
    const offer = client.nextRound(0, 25);
    hub.respond = () => {
      first?.close(CLOSE_CODES.goingAway);
      return null;
    };

    const error = await client.postLogs({ entries: [] }).catch((error: unknown) => error);
    expect(error).toBeInstanceOf(OrganiserUnreachableError);
    expect((error as Error).message).toBe("the organiser's agent stream closed before the organiser answered POST /api/agent/logs");
    expect(await offer).toBeNull();
    expect(lines).toContain(`lost the organiser's agent stream (close code ${CLOSE_CODES.goingAway}): using HTTP calls while reconnecting`);
    await eventually('a new link', () => client.stream.open && hub.link !== first);
    expect(hub.httpRequests).toEqual([]);
  });

  it('stops with TokenRefusedError when the organiser refuses the token at the upgrade', async () => {
    const hub = await standInHub();
    hub.refuseUpgrade = { status: 401, error: 'this join token was revoked' };
    const { outcome } = runStream(clientOf(hub));
    const error = await outcome;
    expect(error).toBeInstanceOf(TokenRefusedError);
    expect((error as Error).message).toBe(
      `the organiser at ${hub.url} refused this join token (this join token was revoked): ask the organiser for your team's current join command`,
    );
  });

  it('stops with TokenRefusedError when the organiser closes the link because the token was revoked since', async () => {
    const hub = await standInHub();
    const client = clientOf(hub);
    const { outcome } = runStream(client);
    await eventually('the stream open', () => client.stream.open && hub.link);
    hub.link?.close(CLOSE_CODES.tokenRefused, 'the join token was revoked or regenerated by the organiser');
    const error = await outcome;
    expect(error).toBeInstanceOf(TokenRefusedError);
    expect((error as Error).message).toBe(
      `the organiser at ${hub.url} refused this join token (the join token was revoked or regenerated by the organiser): ask the organiser for your team's current join command`,
    );
    expect(client.stream.open).toBe(false);
  });

  it('leaves the client on HTTP calls where no stream is offered (503)', async () => {
    const hub = await standInHub();
    hub.refuseUpgrade = { status: 503, error: 'no agent stream here' };
    hub.respond = (method, path) => (method === 'PUT' && path === '/api/agent/table' ? { status: 200, body: { receivedAt: new Date().toISOString() } } : null);
    const client = clientOf(hub);
    const { lines, outcome } = runStream(client);
    await eventually('the fallback reported', () => lines.find((line) => line.endsWith(': using HTTP calls')));
    expect(lines).toEqual([`the organiser at ${hub.url} offers no agent stream (HTTP 503): using HTTP calls`]);

    await client.putTable({ values: { message_count: '5' }, unreadable: [], readAt: new Date().toISOString() });
    expect(hub.httpRequests).toEqual(['PUT /api/agent/table']);
    expect(client.stream.open).toBe(false);
    expect(await Promise.race([outcome, 'still running'])).toBe('still running');
  });

  it('leaves the client on HTTP calls when another connection of the team replaced its link', async () => {
    const hub = await standInHub();
    hub.respond = (method, path) => (method === 'POST' && path === '/api/agent/logs' ? { status: 200, body: { accepted: 0 } } : null);
    const { client, lines } = await connectedClient(hub);
    hub.link?.close(CLOSE_CODES.replaced, 'replaced by a newer connection');
    await eventually('the replacement reported', () => lines.find((line) => line.includes('replaced this one')));
    expect(client.stream.open).toBe(false);

    await client.postLogs({ entries: [] });
    expect(hub.httpRequests).toEqual(['POST /api/agent/logs']);
    expect(hub.streamCalls).toEqual([]);
  });
});

describe('the agent with the stream', () => {
  it('stops with TokenRefusedError when the stream is refused the token, as for an HTTP 401', async () => {
    const hub = await standInHub();
    hub.respond = (_method, path) => {
      if (path.startsWith('/api/agent/hello')) {
        return { status: 200, body: { team: TEAM, teamPageUrl: `${hub.url}/teams/${TEAM.slug}`, serverTime: new Date().toISOString() } };
      }
      if (path.startsWith('/api/agent/rounds/next')) return null; // a long poll held until the hub stops
      return { status: 404, body: { error: 'no such call' } }; // the table reads and the runtime's logs too: the agent reports them and goes on
    };
    const client = clientOf(hub);
    const hello = await client.hello();
    hub.refuseUpgrade = { status: 401, error: 'this join token was revoked' };
    const directory = mkdtempSync(path.join(os.tmpdir(), 'agent-journal-'));
    cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
    const agent = new Agent({
      client,
      hello,
      target: { connection: { region: 'us-east-1', dynamodbEndpoint: hub.url, kinesisEndpoint: hub.url }, resources: localResources(TEAM.slug) },
      journalDirectory: directory,
      runtimeUrl: hub.url,
      report: () => undefined,
    });
    const outcome = runAgent(agent, cleanups);

    const error = await outcome;
    expect(error).toBeInstanceOf(TokenRefusedError);
    expect((error as Error).message).toContain('(this join token was revoked)');
  });
});
