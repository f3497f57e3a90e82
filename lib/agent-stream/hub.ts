/**
 * The organiser's end of the agent stream (./frames.ts, docs/room.md "The agent stream"), run by the
 * scheduler that leads (generator/scheduler-main.ts) on a loopback port the web server passes
 * `/api/agent/stream` upgrades to (./pass-through.ts). One link per remote team: the join token is
 * checked at the upgrade as on the HTTP routes (lib/auth/join-tokens.ts, the client's address as the
 * web server read it), every call takes from the team's call budget, and a newer link of the same
 * team replaces the older.
 *
 * What makes it cheap: the round's offer goes down the link when the scheduler records it (no long
 * poll, no look at the store every 3 s); `start` and `sent` are recorded in the store as over HTTP
 * (conditional: a round is started at most once, whatever the transport) and kept here; table
 * uploads, logs and the agent's last-seen time are kept in memory, where the team's round reads
 * them (`reads`), and written to the store only at a slow pace for the team page (the latest table
 * every 5 s at most, logs every 30 s, last seen every 60 s and when the link closes).
 */
import http from 'node:http';
import { type WebSocket, WebSocketServer } from 'ws';
import {
  chargeCall,
  isOpenForAgent,
  mergeLogs,
  offerOf,
  type RecordedReport,
  receivedTable,
  recordSent,
  recordStart,
  teamLogEntries,
} from '@/lib/api/agent-api';
import { AGENT_CALL_COSTS, AgentCallBudget } from '@/lib/api/agent-budget';
import { logsSchema, roundNumberSchema, sentSchema, startSchema, type TableReport, tableSchema } from '@/lib/api/agent-schemas';
import { bodyLimitFor, describeBytes } from '@/lib/api/body-limits';
import { CLIENT_ADDRESS_HEADER } from '@/lib/api/client';
import { HttpError, json, parseParam, parseValue, respond } from '@/lib/api/http';
import { AgentGate, TOKEN_CACHE_MS, tokenHash } from '@/lib/auth/join-tokens';
import { bearerOf } from '@/lib/auth/organiser';
import { errorMessage } from '@/lib/errors';
import type { AgentRecords, ForwardedLogs, RemoteRoundReads, TableUpload } from '@/lib/store/agent-records';
import type { OrganiserStore } from '@/lib/store/organiser-store';
import type { Round, Team } from '@/lib/store/types';
import {
  AGENT_STREAM_PATH,
  type AnswerFrame,
  type CallFrame,
  CLOSE_CODES,
  callFrameSchema,
  MAX_FRAME_BYTES,
  type OrganiserFrame,
  PING_INTERVAL_MS,
  STORE_HEADER,
} from './frames';
import { refuseUpgrade } from './refuse-upgrade';

/** The team page's copy of the latest table is written at most this often (the round reads the latest from memory). */
export const TABLE_WRITE_EVERY_MS = 5000;
/** Forwarded logs are written for the team page at most this often. */
export const LOGS_WRITE_EVERY_MS = 30_000;
/** A linked agent's last-seen time is written this often, each write counting it online for SEEN_FOR_MS; its link closing writes it offline. */
export const SEEN_WRITE_EVERY_MS = 60_000;
export const SEEN_FOR_MS = 90_000;
/** Links are checked against the store's current join tokens this often (a revoked or regenerated token's link is closed), as long as the web app believes a valid token. */
export const TOKEN_CHECK_MS = TOKEN_CACHE_MS;
/** Before a linked agent's start, every this many looks of the round read the store rather than memory. */
const STORE_LOOK_EVERY = 4;
/** How long a round's reads take a linked agent for online without a store read (docs/room.md: offline within 10 s). */
const LINKED_ONLINE_MS = 10_000;

/** What a call frame may carry beyond its body's limit (lib/api/body-limits.ts): its id, method and path. */
const FRAME_OVERHEAD_BYTES = 512;
const ROUND_CALL = /^\/api\/agent\/rounds\/([^/]+)\/(start|sent)$/;

/** What the hub knows of one remote team. */
interface TeamState {
  link: Link | null;
  /** The team record as read when its agent linked (its last-seen time is the link's). */
  team: Team | null;
  /** The team's newest round as the scheduler offered it, with what this hub recorded of its start and sent. */
  round: Round | null;
  /** The round's looks answered before its start (every STORE_LOOK_EVERY-th reads the store). */
  looksBeforeStart: number;
  upload: TableUpload | null;
  uploadWritten: boolean;
  tableWrittenAt: number;
  logs: ForwardedLogs | null;
  logsWritten: boolean;
  logsWrittenAt: number;
  writes: { table: NodeJS.Timeout | null; logs: NodeJS.Timeout | null };
}

interface Link {
  socket: WebSocket;
  tokenHash: string;
  answeredPing: boolean;
  seenWrittenAt: number;
  lastHeardAt: number;
}

export interface AgentHubOptions {
  store: OrganiserStore;
  records: AgentRecords;
  /** Whether this scheduler leads now: only the leader serves agents (others refuse the upgrade, 503). */
  leading: () => boolean;
  log: (line: string) => void;
  now?: () => number;
  /** The organiser store this hub serves (storeIdentity): an upgrade the web server passed for another is refused. */
  storeIdentity?: string;
  /** Default TOKEN_CHECK_MS. */
  tokenCheckMs?: number;
}

export class AgentHub {
  private readonly teams = new Map<string, TeamState>();
  private readonly gate: AgentGate;
  private readonly budget: AgentCallBudget;
  private readonly sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  private readonly server = http.createServer((_request, response) => {
    response
      .writeHead(426, { 'content-type': 'application/json; charset=utf-8' })
      .end(JSON.stringify({ error: 'the agent stream takes WebSocket upgrades only' }));
  });
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly now: () => number;

  constructor(private readonly options: AgentHubOptions) {
    this.now = options.now ?? Date.now;
    this.gate = new AgentGate((hash) => options.records.teamOfToken(hash), {}, this.now);
    this.budget = new AgentCallBudget(this.now);
    this.server.on('upgrade', (request, socket, head) => {
      socket.on('error', () => socket.destroy());
      this.upgrade(request, socket, head).catch((error: unknown) =>
        refuseUpgrade(socket, 500, `the organiser could not open the agent stream: ${errorMessage(error)}`),
      );
    });
  }

  /** Listens on 127.0.0.1:`port` (0: any free port); answers the port. */
  async listen(port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    this.timers.push(
      setInterval(() => this.pingAll(), PING_INTERVAL_MS),
      setInterval(() => void this.checkTokens(), this.options.tokenCheckMs ?? TOKEN_CHECK_MS),
    );
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : port;
  }

  /** Closes every link (going away) after writing what is kept for team pages, and stops listening. */
  async close(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    for (const state of this.teams.values()) state.link?.socket.close(CLOSE_CODES.goingAway, 'the organiser’s scheduler is stopping');
    await Promise.all([...this.teams.keys()].map((team) => this.flush(team)));
    for (const socket of this.sockets.clients) socket.terminate(); // links whose agent did not answer the close by now
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** Whether the team's agent is linked now. */
  linked(team: string): boolean {
    return Boolean(this.teams.get(team)?.link);
  }

  /** A remote team's round, recorded by the scheduler: offered down its link at once (and on linking while it is open). */
  offer(round: Round): void {
    const state = this.state(round.team);
    state.round = round;
    state.looksBeforeStart = 0;
    if (state.link) this.send(state.link, { type: 'offer', offer: offerOf(round) });
  }

  /** The round ended: it is offered no more. */
  closed(round: Pick<Round, 'team' | 'number'>): void {
    const state = this.teams.get(round.team);
    if (state?.round?.number === round.number) state.round = null;
  }

  /**
   * The reads of a remote round (generator/agent-channel.ts): from memory what this hub recorded or
   * received while the team's agent is linked, else from `fallback` (the store: an agent on HTTP).
   */
  reads(fallback: RemoteRoundReads): RemoteRoundReads {
    return {
      round: (slug, number) => {
        const state = this.teams.get(slug);
        const round = state?.round?.number === number ? state.round : null;
        if (round?.agentStart) return Promise.resolve(round);
        // Not started here yet: while the agent is linked it starts over the link, but another run of
        // it (over HTTP, or linked to another leader) may have, so every few looks read the store.
        if (round && state?.link && ++state.looksBeforeStart % STORE_LOOK_EVERY !== 0) return Promise.resolve(round);
        return fallback.round(slug, number);
      },
      upload: (slug) => {
        const state = this.teams.get(slug);
        return state?.link && state.upload ? Promise.resolve(state.upload) : fallback.upload(slug);
      },
      team: (slug) => {
        const state = this.teams.get(slug);
        if (!state?.link || !state.team?.remote) return fallback.team(slug);
        const now = this.now();
        const seen = { lastSeenAt: new Date(state.link.lastHeardAt).toISOString(), seenUntil: new Date(now + LINKED_ONLINE_MS).toISOString() };
        return Promise.resolve({ ...state.team, remote: { ...state.team.remote, ...seen } });
      },
    };
  }

  private state(team: string): TeamState {
    let state = this.teams.get(team);
    if (!state) {
      state = {
        link: null,
        team: null,
        round: null,
        looksBeforeStart: 0,
        upload: null,
        uploadWritten: true,
        tableWrittenAt: 0,
        logs: null,
        logsWritten: true,
        logsWrittenAt: 0,
        writes: { table: null, logs: null },
      };
      this.teams.set(team, state);
    }
    return state;
  }

  private async upgrade(request: http.IncomingMessage, socket: import('node:stream').Duplex, head: Buffer): Promise<void> {
    if ((request.url ?? '').split('?')[0] !== AGENT_STREAM_PATH) return refuseUpgrade(socket, 404, `no agent stream at ${request.url}`);
    if (!this.options.leading()) return refuseUpgrade(socket, 503, 'this scheduler does not run the rounds now: use the HTTP calls');
    const passedFor = request.headers[STORE_HEADER];
    if (this.options.storeIdentity && passedFor !== undefined && passedFor !== this.options.storeIdentity) {
      return refuseUpgrade(socket, 503, 'the agent stream on this machine serves another organiser store: use the HTTP calls');
    }
    const address = String(request.headers[CLIENT_ADDRESS_HEADER] ?? request.socket.remoteAddress ?? '');
    const authorization = request.headers.authorization ?? null;
    const auth = await this.gate.authorize(authorization, address);
    if (!auth.ok) {
      const headers: Record<string, string> = auth.retryAfterSeconds ? { 'retry-after': String(auth.retryAfterSeconds) } : {};
      return refuseUpgrade(socket, auth.status, auth.message, headers);
    }
    const slug = auth.team;
    // Opening a link costs what a hello does: a store read, and the older link closed.
    const retryAfterSeconds = this.budget.take(slug, AGENT_CALL_COSTS.hello);
    if (retryAfterSeconds !== null) {
      return refuseUpgrade(socket, 429, `your team's agent opens the stream faster than the organiser serves one team: try again in ${retryAfterSeconds} s`, {
        'retry-after': String(retryAfterSeconds),
      });
    }
    const [team, logs] = await Promise.all([this.options.store.getTeam(slug), this.teams.get(slug)?.logs ? null : this.options.records.logsOf(slug)]);
    if (!team) return refuseUpgrade(socket, 401, 'the join token’s team was removed: ask the organiser for your team’s current join command');
    this.sockets.handleUpgrade(request, socket, head, (ws) => this.linkUp(slug, team, logs, ws, tokenHash(bearerOf(authorization) ?? '')));
  }

  private linkUp(slug: string, team: Team, logs: ForwardedLogs | null, socket: WebSocket, hash: string): void {
    const state = this.state(slug);
    state.link?.socket.close(CLOSE_CODES.replaced, 'another connection of your team’s agent replaced this one');
    const now = this.now();
    const link: Link = { socket, tokenHash: hash, answeredPing: true, seenWrittenAt: now, lastHeardAt: now };
    state.link = link;
    state.team = team;
    state.logs ??= logs;
    this.markSeen(slug, now, now + SEEN_FOR_MS);
    socket.on('pong', () => {
      link.answeredPing = true;
      link.lastHeardAt = this.now();
    });
    socket.on('message', (data, isBinary) => {
      link.lastHeardAt = this.now();
      this.receive(slug, link, isBinary ? null : data.toString()).catch((error: unknown) =>
        this.options.log(`agent stream of ${slug}: a call failed: ${errorMessage(error)}`),
      );
    });
    socket.on('error', () => socket.terminate());
    socket.on('close', () => {
      if (state.link !== link) return;
      state.link = null;
      this.markSeen(slug, link.lastHeardAt, this.now());
      void this.flush(slug);
    });
    this.offerOpenRound(slug, state).catch((error: unknown) =>
      this.options.log(`agent stream of ${slug}: its open round could not be read: ${errorMessage(error)}`),
    );
  }

  /** On linking: the team's open round, as the scheduler offered it, else (a leader since) as the store has it. */
  private async offerOpenRound(slug: string, state: TeamState): Promise<void> {
    const round = state.round ?? (await this.options.records.newestRound(slug));
    if (!round || !state.link || !isOpenForAgent(round, 0, new Date(this.now()).toISOString())) return;
    state.round ??= round;
    this.send(state.link, { type: 'offer', offer: offerOf(round) });
  }

  private async receive(slug: string, link: Link, text: string | null): Promise<void> {
    let frame: unknown;
    try {
      frame = text === null ? undefined : JSON.parse(text);
    } catch {
      frame = undefined;
    }
    const call = callFrameSchema.safeParse(frame);
    if (!call.success) {
      link.socket.close(CLOSE_CODES.unreadable, 'frames must be JSON calls {id, method, path, body} (docs/room.md)');
      return;
    }
    const limit = bodyLimitFor(call.data.method, call.data.path);
    const response = await respond(async () => {
      if (Buffer.byteLength(text ?? '') > limit + FRAME_OVERHEAD_BYTES)
        throw new HttpError(413, `body: this call takes at most ${describeBytes(limit)}; see docs/room.md`);
      return this.answer(slug, call.data);
    });
    const retryAfter = Number(response.headers.get('retry-after'));
    const answer: AnswerFrame = { type: 'answer', id: call.data.id, status: response.status, body: await response.json() };
    if (retryAfter > 0) answer.retryAfterSeconds = retryAfter;
    this.send(link, answer);
  }

  /** A call, answered as its HTTP route answers it (lib/api/agent-api.ts). */
  private async answer(slug: string, call: CallFrame): Promise<Response> {
    const state = this.state(slug);
    const route = `${call.method} ${call.path.replace(ROUND_CALL, '/api/agent/rounds/{n}/$2')}`;
    const cost = route === 'POST /api/agent/logs' ? AGENT_CALL_COSTS.logs : AGENT_CALL_COSTS.call;
    chargeCall(this.budget, slug, cost);
    const number = () => parseParam('number', ROUND_CALL.exec(call.path)?.[1] ?? '', roundNumberSchema);
    switch (route) {
      case 'POST /api/agent/rounds/{n}/start':
        return this.recorded(state, number(), await recordStart(this.options.records, slug, number(), parseValue(startSchema, call.body), this.now()));
      case 'POST /api/agent/rounds/{n}/sent': {
        const known = state.round?.number === number() && state.round.agentStart ? state.round : undefined;
        return this.recorded(state, number(), await recordSent(this.options.records, slug, number(), parseValue(sentSchema, call.body), this.now(), known));
      }
      case 'PUT /api/agent/table':
        return this.table(slug, state, parseValue(tableSchema, call.body));
      case 'POST /api/agent/logs': {
        const { entries } = parseValue(logsSchema, call.body);
        if (entries.length > 0) {
          state.logs = mergeLogs(state.logs, teamLogEntries(slug, { entries }));
          state.logsWritten = false;
          this.paceWrite(slug, state, 'logs');
        }
        return json({ accepted: entries.length });
      }
      default:
        throw new HttpError(404, `the agent stream has no call ${call.method} ${call.path.slice(0, 80)} (docs/room.md)`);
    }
  }

  /** Keeps what a report recorded on the team's round (its start or sent) for the round's reads; answers the call. */
  private recorded(state: TeamState, number: number, { answer, recorded }: RecordedReport): Response {
    if (recorded && state.round?.number === number) state.round = { ...state.round, ...recorded };
    return answer;
  }

  private table(slug: string, state: TeamState, report: TableReport): Response {
    state.upload = receivedTable(slug, report, this.now(), state.upload ? Date.parse(state.upload.receivedAt) : 0);
    state.uploadWritten = false;
    this.paceWrite(slug, state, 'table');
    return json({ receivedAt: state.upload.receivedAt });
  }

  /** Writes the team's latest table or logs for its page now when the last write is older than its pace, else at the end of it. */
  private paceWrite(slug: string, state: TeamState, what: 'table' | 'logs'): void {
    if (state.writes[what]) return;
    const [writtenAt, every] = what === 'table' ? [state.tableWrittenAt, TABLE_WRITE_EVERY_MS] : [state.logsWrittenAt, LOGS_WRITE_EVERY_MS];
    const wait = Math.max(0, writtenAt + every - this.now());
    state.writes[what] = setTimeout(() => {
      state.writes[what] = null;
      void this.write(slug, state, what);
    }, wait);
  }

  private async write(slug: string, state: TeamState, what: 'table' | 'logs'): Promise<void> {
    try {
      if (what === 'table' && state.upload && !state.uploadWritten) {
        state.uploadWritten = true;
        state.tableWrittenAt = this.now();
        await this.options.records.putTable(state.upload);
      }
      if (what === 'logs' && state.logs && !state.logsWritten) {
        state.logsWritten = true;
        state.logsWrittenAt = this.now();
        await this.options.records.putLogs(slug, state.logs);
      }
    } catch (error) {
      this.options.log(`agent stream of ${slug}: its ${what} could not be kept for its team page: ${errorMessage(error)}`);
    }
  }

  /** Writes at once what waits for its pace (the link closed, or the hub stops). */
  private async flush(slug: string): Promise<void> {
    const state = this.teams.get(slug);
    if (!state) return;
    for (const what of ['table', 'logs'] as const) {
      const timer = state.writes[what];
      if (timer) clearTimeout(timer);
      state.writes[what] = null;
      await this.write(slug, state, what);
    }
  }

  private markSeen(slug: string, at: number, until: number): void {
    this.options.records
      .markSeen(slug, new Date(at).toISOString(), new Date(until).toISOString())
      .catch((error: unknown) => this.options.log(`agent stream of ${slug}: its last-seen time could not be written: ${errorMessage(error)}`));
  }

  private send(link: Link, frame: OrganiserFrame): void {
    link.socket.send(JSON.stringify(frame));
  }

  /** Pings every link; closes those that did not answer the last ping, and all when this scheduler no longer leads. Writes last-seen times due. */
  private pingAll(): void {
    const leading = this.options.leading();
    const now = this.now();
    for (const [slug, state] of this.teams) {
      const link = state.link;
      if (!link) continue;
      if (!leading) {
        link.socket.close(CLOSE_CODES.goingAway, 'this scheduler no longer runs the rounds');
        continue;
      }
      if (!link.answeredPing) {
        link.socket.terminate();
        continue;
      }
      link.answeredPing = false;
      link.socket.ping();
      if (now - link.seenWrittenAt >= SEEN_WRITE_EVERY_MS) {
        link.seenWrittenAt = now;
        this.markSeen(slug, link.lastHeardAt, now + SEEN_FOR_MS);
      }
    }
  }

  /** Closes the links whose join token was revoked or regenerated since they opened (one query for all teams). */
  private async checkTokens(): Promise<void> {
    const linked = [...this.teams].filter(([, state]) => state.link);
    if (linked.length === 0) return;
    try {
      const current = await this.options.records.tokenHashes();
      for (const [slug, state] of linked) {
        if (state.link && current.get(slug) !== state.link.tokenHash) {
          state.link.socket.close(CLOSE_CODES.tokenRefused, 'the join token was revoked or regenerated by the organiser');
        }
      }
    } catch (error) {
      this.options.log(`agent stream: the join tokens could not be checked (tried again later): ${errorMessage(error)}`);
    }
  }
}
