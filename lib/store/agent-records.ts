/**
 * What the organiser store keeps of remote teams' agents (docs/room.md): join tokens (by SHA-256,
 * in records of their own, apart from the team record: partitions `TEAMTOKEN` by slug and
 * `JOINTOKEN` by hash), the agent's last-seen time on the team record, the latest AggregateTable
 * values (`AGENTTABLE`) and function logs (`AGENTLOGS`) the agent uploaded, and the agent's
 * conditional `start` and idempotent `sent` reports on a round's record.
 */
import type { PipelineFunction } from '../pipeline-resources';
import type { LogEntry } from '../runtime/logs/log-entry';
import { BatchedGets } from './batched-gets';
import type { OrganiserStore } from './organiser-store';
import { roundKey } from './rounds';
import { allOf, attributeAbove, attributeIs, type Condition, conditionHeld, itemAbsent, type StoreTable } from './table';
import { teamKey } from './teams';
import type { AgentInfo, AgentSent, AgentStart, Round, Team } from './types';

/** A record without `seenUntil` (written before it) counts its agent online this long after `lastSeenAt`. */
export const OFFLINE_AFTER_MS = 10_000;

/** Whether a remote team's agent counts as online at `now`: until its `seenUntil` (docs/room.md). */
export function agentOnline(team: Pick<Team, 'remote'>, now: number): boolean {
  const remote = team.remote;
  if (!remote?.lastSeenAt) return false;
  const until = remote.seenUntil ? Date.parse(remote.seenUntil) : Date.parse(remote.lastSeenAt) + OFFLINE_AFTER_MS;
  return now <= until;
}

/** A team's join token: its SHA-256 and the nonce it was made from (see lib/auth/join-tokens.ts). */
export interface TokenRecord {
  team: string;
  hash: string;
  nonce: string;
  createdAt: string;
}

/** The team's AggregateTable as its agent read it, kept with the organiser's time of receipt. */
export interface TableUpload {
  team: string;
  /** The 18 aggregation keys and message_count present in the table: exact decimal strings. */
  values: Record<string, string>;
  unreadable: Array<{ key: string; problem: string }>;
  /** The agent's clock (display only). */
  readAt: string | null;
  /** The organiser's clock. */
  receivedAt: string;
}

export type ForwardedLogs = Record<PipelineFunction, LogEntry[]>;

/** What a remote team's round looks at while it runs (generator/agent-channel.ts). */
export interface RemoteRoundReads {
  round(slug: string, number: number): Promise<Round | null>;
  upload(slug: string): Promise<TableUpload | null>;
  team(slug: string): Promise<Team | null>;
}

const TEAM_TOKEN_PK = 'TEAMTOKEN';
const TOKEN_PK = 'JOINTOKEN';
const TABLE_PK = 'AGENTTABLE';
const LOGS_PK = 'AGENTLOGS';

const teamTokenKey = (slug: string) => ({ pk: TEAM_TOKEN_PK, sk: slug });
const tokenKey = (hash: string) => ({ pk: TOKEN_PK, sk: hash });
const tableKey = (slug: string) => ({ pk: TABLE_PK, sk: slug });
const logsKey = (slug: string) => ({ pk: LOGS_PK, sk: slug });

const attributeExists =
  (path: string): Condition =>
  (x) =>
    `attribute_exists(${x.name(path)})`;
const attributeAbsent =
  (path: string): Condition =>
  (x) =>
    `attribute_not_exists(${x.name(path)})`;

/** Why a `start` or `sent` was refused, as docs/room.md names it. */
export type ReportRefusal = 'no-round' | 'started-elsewhere' | 'closed' | 'not-started';

export type StartResult = { ok: true; start: AgentStart } | { ok: false; refusal: ReportRefusal; round: Round | null };
export type SentResult = { ok: true; sent: AgentSent; deadlineAt: string | null } | { ok: false; refusal: ReportRefusal; round: Round | null };

export class AgentRecords {
  private readonly table: StoreTable;

  constructor(private readonly store: OrganiserStore) {
    this.table = store.table;
  }

  // ---- join tokens ----

  tokenOf(slug: string): Promise<TokenRecord | null> {
    return this.table.get<TokenRecord>(teamTokenKey(slug));
  }

  /** Every remote team's current token hash (one query: the agent stream checks its links against it). */
  async tokenHashes(): Promise<Map<string, string>> {
    return new Map((await this.table.query<TokenRecord>(TEAM_TOKEN_PK)).map((record) => [record.team, record.hash]));
  }

  /** The team a token hash belongs to, or null (never issued, regenerated, revoked). */
  async teamOfToken(hash: string): Promise<string | null> {
    return (await this.table.get<{ team: string }>(tokenKey(hash)))?.team ?? null;
  }

  /**
   * Gives a remote team a new token, replacing its old one in the same transaction (the old one
   * stops working). False when the team is not (or no longer) a remote team, or a concurrent change won.
   */
  async replaceToken(record: TokenRecord): Promise<boolean> {
    const old = await this.tokenOf(record.team);
    return conditionHeld(
      this.table.transact([
        this.table.checkPart(teamKey(record.team), attributeIs('kind', 'remote')),
        this.table.putPart(teamTokenKey(record.team), record, old ? attributeIs('hash', old.hash) : itemAbsent),
        this.table.putPart(tokenKey(record.hash), { team: record.team, createdAt: record.createdAt }),
        ...(old ? [this.table.deletePart(tokenKey(old.hash))] : []),
      ]),
    );
  }

  /** Revokes a team's token (no new one); answers the revoked record, or null when the team had none. */
  async revokeToken(slug: string): Promise<TokenRecord | null> {
    const old = await this.tokenOf(slug);
    if (!old) return null;
    await this.table.transact([this.table.deletePart(teamTokenKey(slug)), this.table.deletePart(tokenKey(old.hash))]);
    return old;
  }

  /** Everything kept for a team's agent: its token (revoked), uploaded table and logs. Answers the revoked token. */
  async forgetTeam(slug: string): Promise<TokenRecord | null> {
    const revoked = await this.revokeToken(slug);
    await Promise.all([this.table.delete(tableKey(slug)), this.table.delete(logsKey(slug))]);
    return revoked;
  }

  // ---- last seen ----

  /** Records the agent's latest request, until when it counts as online (and what it said about itself) on the team record. */
  async markSeen(slug: string, at: string, until: string, agent?: AgentInfo): Promise<void> {
    await conditionHeld(
      this.table.update(teamKey(slug), { set: { 'remote.lastSeenAt': at, 'remote.seenUntil': until, 'remote.agent': agent } }, attributeExists('remote')),
    );
  }

  // ---- uploaded tables ----

  async putTable(upload: TableUpload): Promise<void> {
    await this.table.put(tableKey(upload.team), upload);
  }

  tableOf(slug: string): Promise<TableUpload | null> {
    return this.table.get<TableUpload>(tableKey(slug));
  }

  /** Every remote team's latest upload (one query, for the scoreboard's snapshot). */
  tables(): Promise<TableUpload[]> {
    return this.table.query<TableUpload>(TABLE_PK);
  }

  /**
   * Reads for every remote round a scheduler runs, gathered: the looks asked within `windowMs` of
   * each other are one BatchGetItem (./batched-gets.ts).
   */
  batchedRoundReads(windowMs: number): RemoteRoundReads {
    const gets = new BatchedGets(this.table, windowMs);
    return {
      round: (slug, number) => gets.get<Round>(roundKey(slug, number)),
      upload: (slug) => gets.get<TableUpload>(tableKey(slug)),
      team: (slug) => gets.get<Team>(teamKey(slug)),
    };
  }

  // ---- forwarded logs ----

  /**
   * The logs are kept as one JSON string (`functionsJson`), not as a DynamoDB map of lists: the
   * 120 entries of a full record are ~1,000 typed attributes to (de)serialise on both sides, which
   * cost a log batch ~25 ms of the organiser's CPU (web app 12, store 13, 100 entries); one string
   * attribute is a fraction of that. A record kept as a map (before 3 December) reads as none: the
   * agent's next batch (within 15 s) replaces it.
   */
  async logsOf(slug: string): Promise<ForwardedLogs | null> {
    const record = await this.table.get<{ functionsJson?: unknown }>(logsKey(slug));
    return typeof record?.functionsJson === 'string' ? (JSON.parse(record.functionsJson) as ForwardedLogs) : null;
  }

  async putLogs(slug: string, functions: ForwardedLogs): Promise<void> {
    await this.table.put(logsKey(slug), { functionsJson: JSON.stringify(functions), updatedAt: new Date().toISOString() });
  }

  // ---- rounds ----

  /** A team's newest round (the one its agent may act on). */
  async newestRound(slug: string): Promise<Round | null> {
    const [round] = await this.store.listRounds(slug, { limit: 1 });
    return round ?? null;
  }

  /**
   * The agent's `start`: the first `startId` wins the round by a conditional write, while the round
   * runs, was offered and its `startBy` has not passed; the same `startId` again gets the same answer.
   */
  async startRound(slug: string, number: number, start: AgentStart, baseline: Record<string, string>): Promise<StartResult> {
    const won = await conditionHeld(
      this.table.update(
        roundKey(slug, number),
        { set: { agentStart: start, baseline, sendStartedAt: start.startedAt } },
        allOf(attributeIs('status', 'running'), attributeExists('offer'), attributeAbsent('agentStart'), attributeAbove('offer.startBy', start.startedAt)),
      ),
    );
    if (won) return { ok: true, start };
    const round = await this.store.getRound(slug, number);
    if (!round?.offer) return { ok: false, refusal: 'no-round', round };
    if (round.agentStart?.startId === start.startId) return { ok: true, start: round.agentStart };
    if (round.agentStart) return { ok: false, refusal: 'started-elsewhere', round };
    return { ok: false, refusal: 'closed', round };
  }

  /**
   * The agent's `sent`: recorded once, for the `startId` that holds the round; the same report again
   * gets the same answer. `known`: the round as the caller last knew it (read again only when the
   * write is refused).
   */
  async reportSent(slug: string, number: number, sent: AgentSent, deadlineSeconds: (round: Round) => number, known?: Round): Promise<SentResult> {
    const round = known ?? (await this.store.getRound(slug, number));
    if (!round?.offer) return { ok: false, refusal: 'no-round', round };
    const refusal = (current: Round): SentResult | null => {
      if (current.agentSent?.startId === sent.startId) return { ok: true, sent: current.agentSent, deadlineAt: current.deadlineAt ?? null };
      if (current.agentStart && current.agentStart.startId !== sent.startId) return { ok: false, refusal: 'started-elsewhere', round: current };
      if (current.status !== 'running') return { ok: false, refusal: 'closed', round: current };
      if (!current.agentStart) return { ok: false, refusal: 'not-started', round: current };
      return null;
    };
    const early = refusal(round);
    if (early) return early;
    const deadlineAt = sent.error ? null : new Date(Date.parse(sent.sentAt) + deadlineSeconds(round) * 1000).toISOString();
    const recorded = await conditionHeld(
      this.table.update(
        roundKey(slug, number),
        { set: { agentSent: sent, ...(deadlineAt ? { sentAt: sent.sentAt, deadlineAt } : {}) } },
        allOf(attributeIs('status', 'running'), attributeIs('agentStart.startId', sent.startId), attributeAbsent('agentSent')),
      ),
    );
    if (recorded) return { ok: true, sent, deadlineAt };
    const current = await this.store.getRound(slug, number);
    return (current && refusal(current)) ?? { ok: false, refusal: 'closed', round: current };
  }
}
