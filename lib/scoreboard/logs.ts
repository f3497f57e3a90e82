/**
 * The latest State/Map/Reduce log lines of a local team, followed from the local function runtime
 * (`GET /logs?team&function&after&limit`: the first `limit` after `after`, or the newest `limit`
 * without it). Each team's logs are fetched at most once per second however many people watch its
 * page, and only the lines added since the last fetch are asked for.
 */
import { fetchJson } from '../async';
import { errorMessage } from '../errors';
import { PIPELINE_FUNCTIONS, type PipelineFunction } from '../pipeline-resources';
import type { LogEntry } from '../runtime/logs/log-entry';
import { type ServedJson, serve } from './etag';

export interface TeamLogsView {
  available: boolean;
  /** Why the logs cannot be shown, in words. */
  message: string | null;
  functions: Record<PipelineFunction, LogEntry[]>;
}

export interface RuntimeLogsOptions {
  /** Lines kept per function. */
  keep?: number;
  minIntervalMs?: number;
  now?: () => number;
}

const PAGE = 500;
const MAX_PAGES = 10;

interface TeamLogs {
  lastId: Record<PipelineFunction, number>;
  entries: Record<PipelineFunction, LogEntry[]>;
  fetchedAt: number;
  served: ServedJson | null;
  pending: Promise<ServedJson> | null;
}

const emptyByFunction = <T>(make: () => T) => Object.fromEntries(PIPELINE_FUNCTIONS.map((fn) => [fn, make()])) as Record<PipelineFunction, T>;

export class RuntimeLogs {
  private readonly teams = new Map<string, TeamLogs>();
  private readonly keep: number;
  private readonly minIntervalMs: number;
  private readonly now: () => number;

  constructor(
    private readonly runtimeUrl: string | undefined,
    options: RuntimeLogsOptions = {},
  ) {
    this.keep = options.keep ?? 40;
    this.minIntervalMs = options.minIntervalMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  /** The latest lines of a team's three functions. */
  async latest(team: string): Promise<ServedJson> {
    if (!this.runtimeUrl) {
      return serve({
        available: false,
        message: 'No local function runtime is configured (RUNTIME_URL), so there are no logs to show.',
        functions: emptyByFunction(() => []),
      });
    }
    let state = this.teams.get(team);
    if (!state) {
      state = { lastId: emptyByFunction(() => 0), entries: emptyByFunction(() => []), fetchedAt: 0, served: null, pending: null };
      this.teams.set(team, state);
    }
    if (state.served && this.now() - state.fetchedAt < this.minIntervalMs) return state.served;
    const current = state;
    current.pending ??= this.fetchTeam(team, current).finally(() => (current.pending = null));
    return current.pending;
  }

  private async fetchTeam(team: string, state: TeamLogs): Promise<ServedJson> {
    state.fetchedAt = this.now();
    try {
      await Promise.all(PIPELINE_FUNCTIONS.map((fn) => this.follow(team, fn, state)));
      state.served = serve({ available: true, message: null, functions: state.entries });
    } catch (error) {
      state.served = serve({ available: false, message: `The local function runtime is not answering (${errorMessage(error)}).`, functions: state.entries });
    }
    return state.served;
  }

  private async page(team: string, fn: PipelineFunction, query: Record<string, string>): Promise<LogEntry[]> {
    const url = new URL('/logs', this.runtimeUrl);
    url.search = new URLSearchParams({ team, function: fn, ...query }).toString();
    return (await fetchJson<{ entries: LogEntry[] }>(url, AbortSignal.timeout(2000))).entries;
  }

  /** First the newest lines (no `after`), then only the lines after the last one seen. */
  private async follow(team: string, fn: PipelineFunction, state: TeamLogs): Promise<void> {
    for (let page = 0; page < MAX_PAGES; page++) {
      const first = state.lastId[fn] === 0;
      const entries = await this.page(team, fn, first ? { limit: String(this.keep) } : { after: String(state.lastId[fn]), limit: String(PAGE) });
      if (entries.length === 0) return;
      state.entries[fn] = [...state.entries[fn], ...entries].slice(-this.keep);
      state.lastId[fn] = Math.max(state.lastId[fn], ...entries.map((entry) => entry.id));
      if (first || entries.length < PAGE) return;
    }
  }
}
