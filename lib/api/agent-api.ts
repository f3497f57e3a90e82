/**
 * The agent API (docs/room.md): what a remote team's agent may do with its join token — say hello,
 * long-poll for its next round, `start` it (conditional) and report it `sent` (idempotent), upload its
 * AggregateTable and forward its function logs. Every call takes from the team's call budget first
 * (./agent-budget.ts: 429 beyond it, before its body is read) and marks the agent seen: written at most
 * every 5 s per team from its `start` to its first upload after it, every 15 s otherwise, each write
 * saying until when the agent counts as online. The token names the team: no path names one.
 */
import { AGGREGATION_KEYS, MESSAGE_COUNT_KEY } from '../domain/hierarchy';
import { PIPELINE_FUNCTIONS } from '../pipeline-resources';
import type { LogEntry } from '../runtime/logs/log-entry';
import type { AgentRecords, ForwardedLogs, ReportRefusal, TableUpload } from '../store/agent-records';
import type { OrganiserStore } from '../store/organiser-store';
import type { AgentInfo, Round } from '../store/types';
import { AGENT_CALL_COSTS, AgentCallBudget, HELD_POLLS_PER_TEAM } from './agent-budget';
import type { LogsReport, SentReport, StartReport, TableReport } from './agent-schemas';
import { AGENT_LIMITS } from './agent-schemas';
import { RoundWaits } from './agent-waits';
import { HttpError, json, tooManyRequests } from './http';
import { requestOrigin } from './organiser-url';

/** How often a team's last-seen time is written, and how long each write counts its agent online (docs/room.md). */
export interface SeenPace {
  writeEveryMs: number;
  onlineForMs: number;
}
/**
 * From the agent's `start` to its first table upload after it, when the round looks at whether the
 * agent is online (generator/agent-channel.ts: a machine gone before any upload fails `offline`):
 * gone, it is offline within 10 s.
 */
export const SEEN_IN_ROUND: SeenPace = { writeEveryMs: 5000, onlineForMs: 10_000 };
/** Otherwise (its held long poll is then mostly the agent's only traffic): a vanished machine shows offline within 30 s, and fails its next round `offline` (not started). */
export const SEEN_BETWEEN_ROUNDS: SeenPace = { writeEveryMs: 15_000, onlineForMs: 30_000 };
/** A start with no upload after it counts this long at most. */
const IN_ROUND_AFTER_START_MS = 120_000;
/** Table uploads arriving faster than this are refused (429): the agent keeps 250 ms, with slack for network jitter. */
export const TABLE_UPLOAD_FLOOR_MS = 200;
/** Forwarded log entries kept per function, and at most this much JSON per team. */
export const LOG_ENTRIES_KEPT = 40;
export const LOG_BYTES_KEPT = 300 * 1024;

const DECIMAL = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const TABLE_KEYS = new Set([...AGGREGATION_KEYS, MESSAGE_COUNT_KEY]);

/** Whether the agent should act on a round: offered and not yet started (numbered above `after`, before `startBy`), or started and not yet reported sent. */
export function isOpenForAgent(round: Round, after: number, nowIso: string): boolean {
  if (round.status !== 'running' || !round.offer || round.agentSent) return false;
  if (round.agentStart) return true;
  return round.number > after && nowIso < round.offer.startBy;
}

/** A round as the agent gets it from `rounds/next`. */
export function offerOf(round: Round) {
  const offer = round.offer!;
  return {
    number: round.number,
    lab: round.lab,
    seed: round.seed,
    messages: offer.messages,
    failurePercentages: offer.failurePercentages,
    deadlineSeconds: offer.deadlineSeconds,
    offeredAt: offer.offeredAt,
    startBy: offer.startBy,
    started: round.agentStart ? { startId: round.agentStart.startId, startedAt: round.agentStart.startedAt } : null,
  };
}

/** The values the game can read, and the keys it cannot (with why), of a table as the agent read it. */
export function readableValues(values: Readonly<Partial<Record<string, string>>>, unreadable: Array<{ key: string; problem: string }>) {
  const readable: Record<string, string> = {};
  const problems = [...unreadable];
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || !TABLE_KEYS.has(key)) continue;
    if (DECIMAL.test(value)) readable[key] = value;
    else problems.push({ key, problem: `Value is not a number: ${JSON.stringify(value.slice(0, 40))}` });
  }
  return { readable, unreadable: problems.slice(0, TABLE_KEYS.size) };
}

const REFUSALS: Record<Exclude<ReportRefusal, 'no-round'>, (number: number, round: Round | null) => string> = {
  'started-elsewhere': (number) => `round ${number} was already started by another run of the agent`,
  closed: (number, round) =>
    round?.status === 'running'
      ? `round ${number} is closed: it was not started before ${round.offer?.startBy}`
      : `round ${number} is closed: it ended (${round?.status})`,
  'not-started': (number) => `round ${number} was not started: send start before sent`,
};

function refused(refusal: ReportRefusal, number: number, round: Round | null): Response {
  if (refusal === 'no-round') throw new HttpError(404, `your team has no round ${number}`);
  return json({ error: REFUSALS[refusal](number, round), reason: refusal }, 409);
}

/** Keeps the newest entries per function (oldest first), at most LOG_ENTRIES_KEPT each and LOG_BYTES_KEPT in all. */
export function mergeLogs(kept: ForwardedLogs | null, entries: readonly LogEntry[]): ForwardedLogs {
  const merged = Object.fromEntries(PIPELINE_FUNCTIONS.map((fn) => [fn, [...(kept?.[fn] ?? [])]])) as ForwardedLogs;
  for (const entry of entries) {
    const list = merged[entry.function];
    if (list.some((existing) => existing.id === entry.id)) continue;
    list.push(entry);
  }
  for (const fn of PIPELINE_FUNCTIONS) merged[fn] = merged[fn].sort((a, b) => a.id - b.id).slice(-LOG_ENTRIES_KEPT);
  while (Buffer.byteLength(JSON.stringify(merged)) > LOG_BYTES_KEPT) {
    const longest = PIPELINE_FUNCTIONS.reduce((a, b) => (merged[a].length >= merged[b].length ? a : b));
    merged[longest].shift();
  }
  return merged;
}

/** A report recorded on a round: the call's answer, and the fields it put on the round record (none when refused). */
export interface RecordedReport {
  answer: Response;
  recorded: Partial<Round> | null;
}

/** The agent's `start` of round `number`, recorded (the first startId wins): the answer of `POST rounds/{n}/start`. */
export async function recordStart(records: AgentRecords, team: string, number: number, report: StartReport, now: number): Promise<RecordedReport> {
  const { readable, unreadable } = readableValues(report.baseline, report.unreadable);
  const startedAt = new Date(now).toISOString();
  const result = await records.startRound(team, number, { startId: report.startId, startedAt, unreadable }, readable);
  if (!result.ok) return { answer: refused(result.refusal, number, result.round), recorded: null };
  const { start } = result;
  return {
    answer: json({ number, startId: start.startId, startedAt: start.startedAt }),
    recorded: { agentStart: start, baseline: readable, sendStartedAt: start.startedAt },
  };
}

/** The agent's `sent` report of round `number`, recorded once: the answer of `POST rounds/{n}/sent` (`known`: the round as the caller knows it, see AgentRecords.reportSent). */
export async function recordSent(records: AgentRecords, team: string, number: number, report: SentReport, now: number, known?: Round): Promise<RecordedReport> {
  const failed = 'error' in report;
  const result = await records.reportSent(
    team,
    number,
    {
      startId: report.startId,
      sentAt: new Date(now).toISOString(),
      acknowledged: failed ? null : report.acknowledged,
      durationMs: failed ? null : report.durationMs,
      error: failed ? report.error : null,
    },
    (round) => round.offer?.deadlineSeconds ?? 30,
    known,
  );
  if (!result.ok) return { answer: refused(result.refusal, number, result.round), recorded: null };
  const { sent, deadlineAt } = result;
  return {
    answer: json({ number, sentAt: sent.sentAt, deadlineAt }),
    recorded: { agentSent: sent, ...(deadlineAt ? { sentAt: sent.sentAt, deadlineAt } : {}) },
  };
}

/** Takes a call of `cost` from the team's budget; 429 with Retry-After when it is spent (the HTTP routes and the agent stream alike). */
export function chargeCall(budget: AgentCallBudget, team: string, cost: number): void {
  const retryAfterSeconds = budget.take(team, cost);
  if (retryAfterSeconds === null) return;
  throw tooManyRequests(`your team's agent is calling faster than the organiser serves one team: try again in ${retryAfterSeconds} s`, retryAfterSeconds);
}

/** A table upload received at `now` (the team's previous one at `lastReceivedAt`), its unreadable values kept apart; 429 when it comes too soon after the previous. */
export function receivedTable(team: string, report: TableReport, now: number, lastReceivedAt: number): TableUpload {
  if (now - lastReceivedAt < TABLE_UPLOAD_FLOOR_MS) {
    throw tooManyRequests(`table values come at most every ${AGENT_LIMITS.tableUploadMinIntervalMs} ms: send the latest again after that`, 1);
  }
  const { readable, unreadable } = readableValues(report.values, report.unreadable);
  return { team, values: readable, unreadable, readAt: report.readAt, receivedAt: new Date(now).toISOString() };
}

/** Forwarded log entries, as kept for `team` (the token names the team, not the entries). */
export function teamLogEntries(team: string, report: LogsReport): LogEntry[] {
  return report.entries.map((entry) => ({ ...entry, team }) as LogEntry);
}

export class AgentApi {
  /** Per team: until when the last last-seen write counts the agent online. */
  private readonly seenUntil = new Map<string, number>();
  /** Per team: until when SEEN_IN_ROUND applies (its agent started a round and uploaded no table since). */
  private readonly inRoundUntil = new Map<string, number>();
  private readonly tableReceivedAt = new Map<string, number>();
  private readonly waits: RoundWaits;
  private readonly budget: AgentCallBudget;

  constructor(
    private readonly store: OrganiserStore,
    private readonly records: AgentRecords,
    private readonly publicUrl: string | undefined,
    private readonly port: number,
    private readonly now: () => number = Date.now,
  ) {
    this.waits = new RoundWaits(store, (team) => this.seen(team));
    this.budget = new AgentCallBudget(now);
  }

  /** Takes a call of `cost` from the team's budget (before its body is read); 429 with Retry-After when it is spent. */
  charge(team: string, cost: number = AGENT_CALL_COSTS.call): void {
    chargeCall(this.budget, team, cost);
  }

  /**
   * Marks the team's agent seen. Written when it tells who it is; when what the last write counts
   * left is shorter than the pace allows (in one pace: `writeEveryMs` after the last write; once
   * the agent's round no longer needs the faster pace: at once); or when the last write counts the
   * agent online longer than the pace allows (the agent has just started a round).
   */
  async seen(team: string, agent?: AgentInfo): Promise<void> {
    const now = this.now();
    const pace = now < (this.inRoundUntil.get(team) ?? 0) ? SEEN_IN_ROUND : SEEN_BETWEEN_ROUNDS;
    const until = now + pace.onlineForMs;
    const written = this.seenUntil.get(team);
    if (!agent && written !== undefined && written <= until && written - now >= pace.onlineForMs - pace.writeEveryMs) return;
    this.seenUntil.set(team, until);
    await this.records.markSeen(team, new Date(now).toISOString(), new Date(until).toISOString(), agent);
  }

  async hello(request: Request, slug: string, agent: AgentInfo): Promise<Response> {
    const [team, settings] = await Promise.all([this.store.getTeam(slug), this.store.getSettings(), this.seen(slug, agent)]);
    if (!team) throw new HttpError(401, 'the join token’s team was removed: ask the organiser for your team’s current join command');
    return json({
      team: { slug: team.slug, name: team.name },
      teamPageUrl: `${requestOrigin(request, this.publicUrl, this.port)}/teams/${team.slug}`,
      serverTime: new Date(this.now()).toISOString(),
      settings: {
        roundIntervalSeconds: settings.roundIntervalSeconds,
        roundMessages: settings.roundMessages,
        roundDeadlineSeconds: settings.roundDeadlineSeconds,
        paused: settings.paused,
        nextRoundAt: settings.nextRoundAt,
      },
      agent: AGENT_LIMITS,
    });
  }

  /** The team's open round at once, else held up to `waitSeconds` (204 when none came). */
  async nextRound(team: string, after: number, waitSeconds: number, signal?: AbortSignal): Promise<Response> {
    if (waitSeconds > 0 && this.waits.heldFor(team) >= HELD_POLLS_PER_TEAM) {
      throw tooManyRequests(
        `your team already has ${HELD_POLLS_PER_TEAM} long polls held on this organiser (one agent holds one): is the agent running more than once?`,
        5,
      );
    }
    await this.seen(team);
    const newest = await this.records.newestRound(team);
    let open = newest && isOpenForAgent(newest, after, new Date(this.now()).toISOString()) ? newest : null;
    if (!open && waitSeconds > 0) open = await this.waits.wait(team, after, waitSeconds * 1000, signal);
    if (!open) return new Response(null, { status: 204, headers: { 'cache-control': 'no-store' } });
    return json({ offer: offerOf(open) });
  }

  async start(team: string, number: number, report: StartReport): Promise<Response> {
    this.inRoundUntil.set(team, this.now() + IN_ROUND_AFTER_START_MS);
    await this.seen(team);
    return (await recordStart(this.records, team, number, report, this.now())).answer;
  }

  async sent(team: string, number: number, report: SentReport): Promise<Response> {
    await this.seen(team);
    const { answer } = await recordSent(this.records, team, number, report, this.now());
    if (answer.ok && 'error' in report) this.inRoundUntil.delete(team); // the burst was not sent whole: the round fails now
    return answer;
  }

  async table(team: string, report: TableReport): Promise<Response> {
    await this.seen(team);
    const now = this.now();
    const upload = receivedTable(team, report, now, this.tableReceivedAt.get(team) ?? 0);
    this.tableReceivedAt.set(team, now);
    await this.records.putTable(upload);
    this.inRoundUntil.delete(team); // the round's reads have an upload since the start: they look no more at the agent's last-seen time
    await this.seen(team); // written now if the last write counted the agent online for the faster pace only
    return json({ receivedAt: upload.receivedAt });
  }

  async logs(team: string, report: LogsReport): Promise<Response> {
    await this.seen(team);
    if (report.entries.length > 0) {
      await this.records.putLogs(team, mergeLogs(await this.records.logsOf(team), teamLogEntries(team, report)));
    }
    return json({ accepted: report.entries.length });
  }
}
