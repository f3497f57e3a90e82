/**
 * A stand-in for the organiser's side of the agent protocol (docs/room.md), for testing the
 * participant's agent on its own: an HTTP server on 127.0.0.1 answering `/api/agent/*` as the
 * contract says (bearer token, long poll, conditional start, idempotent sent, table and log uploads)
 * and recording every call. The test offers rounds, refuses the token, drops a call's connection
 * after acting on it (a network drop), throttles every call (429 with Retry-After), holds answers
 * (headers sent, body never finished), or stops and restarts the server on the same port.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RoundOffer, SentBody, StartBody, TableBody } from '@/lib/agent/protocol';
import type { LogEntry } from '@/lib/runtime/logs/log-entry';

export interface StandInRound {
  offer: RoundOffer;
  sent?: SentBody;
  closed?: boolean;
}

interface Waiter {
  after: number;
  answer: (offer: RoundOffer | null) => void;
}

export class OrganiserStandIn {
  readonly rounds = new Map<number, StandInRound>();
  readonly starts: Array<{ round: number; body: StartBody }> = [];
  readonly sentReports: Array<{ round: number; body: SentBody }> = [];
  readonly tables: TableBody[] = [];
  readonly logs: LogEntry[] = [];
  /** Answer every call 401 (the token was revoked). */
  refuseToken = false;
  /** Calls (e.g. `POST start`) whose next request is acted on, then its connection dropped without an answer. */
  readonly dropNext = new Set<string>();
  /** Answer every call 429 with this Retry-After (seconds), when set. */
  retryAfterSeconds: number | null = null;
  /** Answer with the status and headers and part of the body, and never finish it. */
  holdAnswers = false;
  /** Answers held so far (holdAnswers). */
  heldAnswers = 0;
  /** What hello tells the agent to keep to (docs/room.md). */
  readonly agentSettings = { longPollSeconds: 2, tableUploadMinIntervalMs: 250, logEntriesPerCall: 100, logForwardIntervalMs: 1000, offlineAfterSeconds: 10 };
  private waiters: Waiter[] = [];
  private server: http.Server;
  private port = 0;

  private constructor(
    readonly token: string,
    readonly team: { slug: string; name: string },
  ) {
    this.server = this.createServer();
  }

  static async start(token: string, team: { slug: string; name: string }): Promise<OrganiserStandIn> {
    const standIn = new OrganiserStandIn(token, team);
    await standIn.listen(0);
    return standIn;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Offers a round (it begins now; `started` is null). */
  offer(round: Omit<RoundOffer, 'offeredAt' | 'startBy' | 'started' | 'failurePercentages' | 'deadlineSeconds'> & Partial<RoundOffer>): void {
    const now = Date.now();
    const offer: RoundOffer = {
      failurePercentages: { state: 0, map: 0, reduce: 0 },
      deadlineSeconds: 30,
      offeredAt: new Date(now).toISOString(),
      startBy: new Date(now + 15_000).toISOString(),
      started: null,
      ...round,
    };
    this.rounds.set(offer.number, { offer });
    this.wake();
  }

  /** Long polls for a round being held now. */
  get longPolls(): number {
    return this.waiters.length;
  }

  /** Stops answering (the organiser's machine went away); `restart` listens again on the same port. */
  async stop(): Promise<void> {
    for (const waiter of this.waiters.splice(0)) waiter.answer(null);
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  async restart(): Promise<void> {
    this.server = this.createServer();
    await this.listen(this.port);
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  private openRound(after: number): RoundOffer | null {
    for (const round of [...this.rounds.values()].sort((a, b) => a.offer.number - b.offer.number)) {
      if (round.closed || round.sent) continue;
      if (round.offer.started || round.offer.number > after) return round.offer;
    }
    return null;
  }

  private wake(): void {
    this.waiters = this.waiters.filter((waiter) => {
      const offer = this.openRound(waiter.after);
      if (offer) waiter.answer(offer);
      return !offer;
    });
  }

  private createServer(): http.Server {
    return http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const url = new URL(request.url ?? '/', this.url);
        const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
        const call = `${request.method} ${url.pathname.split('/').at(-1)}`;
        const send = (status: number, json?: unknown): undefined => {
          if (this.dropNext.delete(call)) {
            request.socket.destroy();
            return;
          }
          if (this.holdAnswers) {
            this.heldAnswers += 1;
            response.writeHead(status, { 'content-type': 'application/json' });
            response.write('{');
            return;
          }
          response.writeHead(status, { 'content-type': 'application/json' });
          response.end(json === undefined ? undefined : JSON.stringify(json));
        };
        if (this.retryAfterSeconds !== null) {
          response.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(this.retryAfterSeconds) });
          response.end(JSON.stringify({ error: 'too many calls from this address' }));
          return;
        }
        if (this.refuseToken || request.headers.authorization !== `Bearer ${this.token}`) {
          send(401, { error: 'this join token is not valid' });
          return;
        }
        this.handle(request.method ?? 'GET', url, body, send);
      });
    });
  }

  private handle(method: string, url: URL, body: unknown, send: (status: number, json?: unknown) => undefined): undefined {
    const path = url.pathname;
    if (method === 'GET' && path === '/api/agent/hello') {
      send(200, {
        team: this.team,
        teamPageUrl: `${this.url}/teams/${this.team.slug}`,
        serverTime: new Date().toISOString(),
        settings: { roundIntervalSeconds: 60, roundMessages: 1000, roundDeadlineSeconds: 30, paused: false, nextRoundAt: null },
        agent: this.agentSettings,
      });
      return;
    }
    if (method === 'GET' && path === '/api/agent/rounds/next') {
      const after = Number(url.searchParams.get('after') ?? 0);
      const open = this.openRound(after);
      if (open) return send(200, { offer: open });
      const waiter: Waiter = {
        after,
        answer: (offer) => {
          clearTimeout(timer);
          if (offer) send(200, { offer });
          else send(204);
        },
      };
      const timer = setTimeout(
        () => {
          this.waiters = this.waiters.filter((other) => other !== waiter);
          send(204);
        },
        Number(url.searchParams.get('waitSeconds') ?? 25) * 1000,
      );
      this.waiters.push(waiter);
      return;
    }
    const roundCall = /^\/api\/agent\/rounds\/(\d+)\/(start|sent)$/.exec(path);
    if (method === 'POST' && roundCall) {
      const round = this.rounds.get(Number(roundCall[1]));
      if (!round) return send(404, { error: `no round ${roundCall[1]}` });
      const number = round.offer.number;
      if (roundCall[2] === 'start') {
        const start = body as StartBody;
        this.starts.push({ round: number, body: start });
        if (round.closed) return send(409, { error: `round ${number} is closed`, reason: 'closed' });
        if (round.offer.started && round.offer.started.startId !== start.startId) {
          return send(409, { error: `round ${number} was already started by another run of the agent`, reason: 'started-elsewhere' });
        }
        round.offer.started ??= { startId: start.startId, startedAt: new Date().toISOString() };
        return send(200, { number, ...round.offer.started });
      }
      const sent = body as SentBody;
      this.sentReports.push({ round: number, body: sent });
      if (!round.offer.started) return send(409, { error: `round ${number} was not started`, reason: 'not-started' });
      if (round.offer.started.startId !== sent.startId) return send(409, { error: 'started elsewhere', reason: 'started-elsewhere' });
      round.sent ??= sent;
      return send(200, { number, sentAt: new Date().toISOString(), deadlineAt: 'error' in round.sent ? null : new Date(Date.now() + 30_000).toISOString() });
    }
    if (method === 'PUT' && path === '/api/agent/table') {
      this.tables.push(body as TableBody);
      return send(200, { receivedAt: new Date().toISOString() });
    }
    if (method === 'POST' && path === '/api/agent/logs') {
      const { entries } = body as { entries: LogEntry[] };
      this.logs.push(...entries);
      return send(200, { accepted: entries.length });
    }
    send(404, { error: `no such call: ${method} ${path}` });
  }
}
