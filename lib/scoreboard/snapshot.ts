/**
 * The scoreboard's shared snapshot: at most one rebuild per second, whatever the number of viewers.
 * A rebuild reads settings and teams from the organiser store, only the rounds added since the last
 * rebuild, and each team's AggregateTable once (a scan still running from the previous rebuild is not
 * repeated). Every view (public board, each team's page, the organiser's live view) is serialised and
 * given an ETag once per snapshot.
 */
import { readAggregateTable, TableReadError } from '../aws/aggregate-table';
import type { Connection } from '../aws/clients';
import type { TableValues } from '../domain/verdict';
import { DEFAULT_FAILURE_PERCENTAGES } from '../pipeline-resources';
import type { OrganiserStore, SettingsDefaults } from '../store/organiser-store';
import type { Round, Settings, Team } from '../store/types';
import { etagOf } from './etag';
import { liveKeys, messageCountChange } from './live-table';
import { type Ranked, rankTeams } from './ranking';
import { TeamRoundCache } from './round-cache';
import { isClosed, latestDiagnosis, referenceRound, runningRoundOf } from './rounds';
import { lastItems, median, scoreSeries } from './stats';
import type { AdminTeam, AdminView, LiveTable, RoundSummary, RunningRound, ScoreboardView, StandingsTeam, TeamView } from './views';

export type TableReader = (connection: Connection, table: string) => Promise<TableValues>;

export interface SnapshotBuilderOptions {
  store: OrganiserStore;
  readTable?: TableReader;
  /** A snapshot younger than this is served as it is. */
  minIntervalMs?: number;
  /** How long a rebuild waits for AggregateTable scans; slower ones land in a later snapshot. */
  scanWaitMs?: number;
  now?: () => number;
  /** Round settings to show while the organiser store cannot be read. */
  settingsDefaults?: SettingsDefaults;
  /** Whether this workshop runs local teams (false in AWS mode, where there are no emulators). */
  localTeams?: boolean;
}

/** A serialised view with its ETag. */
export interface ServedJson {
  body: string;
  etag: string;
}

export interface SnapshotMetrics {
  snapshotBuilds: number;
  aggregateScans: number;
  roundQueries: number;
  lastBuildMs: number | null;
}

const STRIP_ROUNDS = 10;
const CHART_TEAMS = 10;

interface TableScan {
  key: string;
  values: TableValues | null;
  readAt: number | null;
  error: TableReadError | null;
  pending: Promise<void> | null;
}

interface SnapshotParts {
  settings: Settings;
  teams: Team[];
  rounds: Map<string, Round[]>;
  summaries: Map<string, RoundSummary[]>;
  scans: Map<string, { values: TableValues | null; readAt: number | null; error: TableReadError | null }>;
  frozenBoard: ScoreboardView | null;
  problem: string | null;
}

/** Whether the scoreboard can read a team's table now (a local team only once its resources run). */
function scannable(team: Team): boolean {
  if (team.kind === 'aws') return true;
  return team.local?.status === 'ready' && Boolean(team.connection.dynamodbEndpoint);
}

function serve(view: unknown): ServedJson {
  const body = JSON.stringify(view);
  return { body, etag: etagOf(body) };
}

function newestRunning(rounds: readonly Round[]): RunningRound | null {
  const newest = rounds.filter((round) => !isClosed(round)).at(-1);
  return newest ? runningRoundOf(newest) : null;
}

function standingOf(team: Team, rounds: readonly Round[]): Omit<StandingsTeam, 'rank'> {
  const closed = rounds.filter(isClosed);
  const scored = closed.filter((round) => round.status !== 'void');
  const passed = scored.filter((round) => round.status === 'passed');
  const times = passed.map((round) => round.timeToCorrectMs).filter((time): time is number => typeof time === 'number');
  return {
    slug: team.slug,
    name: team.name,
    kind: team.kind,
    active: team.active,
    score: team.score,
    scoreReachedAt: team.scoreReachedAt,
    lab: team.lab,
    rounds: [],
    roundsPlayed: scored.length,
    roundsPassed: passed.length,
    medianTimeToCorrectMs: median(times),
    running: newestRunning(rounds),
  };
}

/** One rebuild's data and the views made from it (each made once, on first use). */
export class Snapshot {
  private publicJson: ServedJson | null = null;
  private liveJson: ServedJson | null = null;
  private adminJson: ServedJson | null = null;
  private readonly teamJson = new Map<string, ServedJson>();
  private liveView: ScoreboardView | null = null;
  private ranked: Ranked<Team>[] | null = null;

  constructor(
    readonly builtAt: number,
    readonly parts: SnapshotParts,
    /** Whether this workshop runs local teams (false in AWS mode). */
    private readonly localTeams = true,
  ) {}

  get problem(): string | null {
    return this.parts.problem;
  }

  get settings(): Settings {
    return this.parts.settings;
  }

  private summariesOf(slug: string): RoundSummary[] {
    return this.parts.summaries.get(slug) ?? [];
  }

  private rankedTeams(): Ranked<Team>[] {
    this.ranked ??= rankTeams(this.parts.teams);
    return this.ranked;
  }

  /** The standings as they are now (what the organiser sees, frozen or not). */
  live(): ScoreboardView {
    this.liveView ??= this.makeLive();
    return this.liveView;
  }

  private makeLive(): ScoreboardView {
    const { settings, rounds } = this.parts;
    const teams = this.rankedTeams().map((team): StandingsTeam => {
      const teamRounds = rounds.get(team.slug) ?? [];
      const summaries = this.summariesOf(team.slug).filter((round) => round.status !== 'running');
      return { ...standingOf(team, teamRounds), rank: team.rank, rounds: lastItems(summaries, STRIP_ROUNDS) };
    });
    const leaders = teams.slice(0, CHART_TEAMS).map((team) => team.slug);
    const closedPoints = new Map(
      leaders.map((slug) => [slug, (rounds.get(slug) ?? []).filter(isClosed).map((round) => ({ number: round.number, points: round.points ?? 0 }))]),
    );
    const running = teams.map((team) => team.running).filter((round): round is RunningRound => round !== null);
    return {
      teams,
      scoreHistory: scoreSeries(closedPoints, leaders),
      ...this.settingsPart(),
      frozen: settings.frozen,
      runningRound: running.sort((a, b) => b.number - a.number)[0] ?? null,
      problem: this.parts.problem,
    };
  }

  private settingsPart() {
    const { settings } = this.parts;
    return {
      nextRoundAt: settings.paused ? null : settings.nextRoundAt,
      paused: settings.paused,
      frozen: settings.frozen,
      frozenAt: settings.frozenAt,
      announcement: settings.announcement,
      roundIntervalSeconds: settings.roundIntervalSeconds,
      roundMessages: settings.roundMessages,
      roundDeadlineSeconds: settings.roundDeadlineSeconds,
    };
  }

  /** What everybody sees: the frozen standings while the board is frozen, with live settings and announcement. */
  publicView(): ScoreboardView {
    const live = this.live();
    const frozen = this.parts.frozenBoard;
    if (!this.parts.settings.frozen || !frozen) return live;
    return { ...live, teams: frozen.teams.map((team) => ({ ...team, running: null })), scoreHistory: frozen.scoreHistory };
  }

  scoreboard(): ServedJson {
    this.publicJson ??= serve(this.publicView());
    return this.publicJson;
  }

  liveScoreboard(): ServedJson {
    this.liveJson ??= serve(this.live());
    return this.liveJson;
  }

  /** A team's page, or null for an unknown team. */
  team(slug: string): ServedJson | null {
    const cached = this.teamJson.get(slug);
    if (cached) return cached;
    const view = this.teamView(slug);
    if (!view) return null;
    const served = serve(view);
    this.teamJson.set(slug, served);
    return served;
  }

  teamView(slug: string): TeamView | null {
    const team = this.parts.teams.find((candidate) => candidate.slug === slug);
    if (!team) return null;
    const board = this.publicView().teams.find((entry) => entry.slug === slug) ?? this.live().teams.find((entry) => entry.slug === slug);
    const summaries = this.summariesOf(slug);
    const closedNewestFirst = summaries.filter((round) => round.status !== 'running').reverse();
    const standing = standingOf(team, this.parts.rounds.get(slug) ?? []);
    return {
      team: {
        slug,
        name: team.name,
        kind: team.kind,
        active: team.active,
        score: board?.score ?? team.score,
        rank: board?.rank ?? 0,
        lab: team.lab,
        region: team.connection.region,
        aggregateTable: team.resources.aggregateTable,
        local: team.local ? { pipeline: team.local.pipeline, status: team.local.status, message: team.local.message ?? null } : null,
      },
      live: this.liveTable(team),
      rounds: [...summaries].reverse(),
      running: standing.running,
      lastDiagnosis: latestDiagnosis(closedNewestFirst),
      medianTimeToCorrectMs: standing.medianTimeToCorrectMs,
      frozen: this.parts.settings.frozen && Boolean(this.parts.frozenBoard),
    };
  }

  private liveTable(team: Team): LiveTable {
    const rounds = this.parts.rounds.get(team.slug) ?? [];
    const reference = referenceRound(rounds);
    const round = reference
      ? { number: reference.number, status: reference.status, phase: isClosed(reference) ? null : runningRoundOf(reference).phase }
      : null;
    const scan = this.parts.scans.get(team.slug);
    const base = { round, readAt: null, keys: [], messageCount: null, matching: 0 };
    if (!scannable(team)) {
      const status = team.local?.status ?? 'starting';
      const state = status === 'failed' ? 'failed' : 'starting';
      const message =
        status === 'failed'
          ? `The team’s local resources failed to start${team.local?.message ? `: ${team.local.message}` : ''}.`
          : status === 'resetting'
            ? 'The team’s tables are being reset.'
            : 'The team’s local DynamoDB and stream are starting.';
      return { ...base, state, message };
    }
    if (!scan || (!scan.values && !scan.error)) return { ...base, state: 'waiting', message: 'Reading the AggregateTable for the first time…' };
    if (!scan.values) return { ...base, state: 'unreachable', message: scan.error?.message ?? 'The AggregateTable could not be read.' };
    const keys = liveKeys(scan.values, reference?.baseline ?? null, reference?.expected ?? null);
    return {
      state: scan.error ? 'unreachable' : 'ok',
      message: scan.error ? `${scan.error.message} (showing the last values read)` : null,
      readAt: scan.error && scan.readAt ? new Date(scan.readAt).toISOString() : null,
      round,
      keys,
      messageCount: messageCountChange(scan.values, reference?.baseline ?? null),
      matching: keys.filter((key) => key.matches).length,
    };
  }

  admin(): ServedJson {
    this.adminJson ??= serve(this.adminView());
    return this.adminJson;
  }

  adminView(): AdminView {
    const live = this.live();
    const teams = this.rankedTeams().map((team): AdminTeam => {
      const summaries = this.summariesOf(team.slug).filter((round) => round.status !== 'running');
      return {
        slug: team.slug,
        name: team.name,
        kind: team.kind,
        active: team.active,
        score: team.score,
        rank: team.rank,
        lab: team.lab,
        labOverride: team.labOverride ?? null,
        failurePercentages: team.failurePercentages ?? null,
        region: team.connection.region,
        roleArn: team.connection.roleArn ?? null,
        externalId: team.connection.externalId ?? null,
        resources: team.resources,
        local: team.local
          ? {
              pipeline: team.local.pipeline,
              status: team.local.status,
              message: team.local.message ?? null,
              resetPending: Boolean(team.local.resetRequestedAt && (!team.local.resetDoneAt || team.local.resetDoneAt < team.local.resetRequestedAt)),
            }
          : null,
        lastRound: summaries.at(-1) ?? null,
        tableState: this.liveTable(team).state,
      };
    });
    return { live, teams, defaultFailurePercentages: { ...DEFAULT_FAILURE_PERCENTAGES }, localTeams: this.localTeams };
  }
}

export class SnapshotBuilder {
  private readonly localTeams: boolean;
  readonly metrics: SnapshotMetrics = { snapshotBuilds: 0, aggregateScans: 0, roundQueries: 0, lastBuildMs: null };
  private latest: Snapshot | null = null;
  private building: Promise<Snapshot> | null = null;
  private readonly roundCaches = new Map<string, TeamRoundCache>();
  private readonly scans = new Map<string, TableScan>();
  private frozenCache: { frozenAt: string | null; board: ScoreboardView | null } | null = null;
  private readonly store: OrganiserStore;
  private readonly readTable: TableReader;
  private readonly minIntervalMs: number;
  private readonly scanWaitMs: number;
  private readonly now: () => number;
  private readonly fallbackSettings: Settings;

  constructor(options: SnapshotBuilderOptions) {
    this.store = options.store;
    this.localTeams = options.localTeams ?? true;
    this.readTable = options.readTable ?? readAggregateTable;
    this.minIntervalMs = options.minIntervalMs ?? 1000;
    this.scanWaitMs = options.scanWaitMs ?? 800;
    this.now = options.now ?? Date.now;
    const defaults = options.settingsDefaults ?? { roundIntervalSeconds: 60, roundMessages: 10_000, roundDeadlineSeconds: 30 };
    this.fallbackSettings = { ...defaults, paused: false, frozen: false, frozenAt: null, announcement: null, nextRoundAt: null };
  }

  /** The current snapshot: the cached one while younger than the interval, else one shared rebuild. */
  async current(): Promise<Snapshot> {
    if (this.latest && this.now() - this.latest.builtAt < this.minIntervalMs) return this.latest;
    this.building ??= this.rebuild().finally(() => (this.building = null));
    return this.building;
  }

  /** Drops the cached snapshot so the next request rebuilds (after an organiser action). */
  invalidate(): void {
    this.latest = null;
  }

  private async rebuild(): Promise<Snapshot> {
    const startedAt = this.now();
    this.metrics.snapshotBuilds += 1;
    let snapshot: Snapshot;
    try {
      snapshot = await this.build(startedAt);
    } catch (error) {
      snapshot = this.fallback(startedAt, error);
    }
    this.metrics.lastBuildMs = this.now() - startedAt;
    this.latest = snapshot;
    return snapshot;
  }

  private async build(startedAt: number): Promise<Snapshot> {
    const [settings, teams] = await Promise.all([this.store.getSettings(), this.store.listTeams()]);
    const scanning = teams.filter(scannable).map((team) => this.scan(team));
    const [frozenBoard] = await Promise.all([this.frozenBoard(settings), this.refreshRounds(teams), this.waitForScans(scanning)]);
    const rounds = new Map(teams.map((team) => [team.slug, this.roundCaches.get(team.slug)?.all() ?? []]));
    const scans = new Map(
      teams
        .map((team) => [team.slug, this.scans.get(team.slug)])
        .filter((entry): entry is [string, TableScan] => entry[1] !== undefined)
        .map(([slug, scan]) => [slug, { values: scan.values, readAt: scan.readAt, error: scan.error }]),
    );
    const summaries = new Map(teams.map((team) => [team.slug, this.roundCaches.get(team.slug)?.summaries() ?? []]));
    const slugs = new Set(teams.map((team) => team.slug));
    for (const slug of this.scans.keys()) if (!slugs.has(slug)) this.scans.delete(slug);
    return new Snapshot(startedAt, { settings, teams, rounds, summaries, scans, frozenBoard, problem: null }, this.localTeams);
  }

  private fallback(startedAt: number, error: unknown): Snapshot {
    const reason = error instanceof Error ? error.message : String(error);
    const problem = this.latest
      ? `The organiser store is not answering (${reason}); these are the last standings read.`
      : `The organiser store is not answering (${reason}); the standings appear as soon as it does.`;
    const parts: SnapshotParts = this.latest
      ? { ...this.latest.parts, problem }
      : { settings: this.fallbackSettings, teams: [], rounds: new Map(), summaries: new Map(), scans: new Map(), frozenBoard: null, problem };
    return new Snapshot(startedAt, parts, this.localTeams);
  }

  private async refreshRounds(teams: Team[]): Promise<void> {
    const slugs = new Set(teams.map((team) => team.slug));
    for (const slug of this.roundCaches.keys()) if (!slugs.has(slug)) this.roundCaches.delete(slug);
    await Promise.all(
      teams.map(async (team) => {
        let cache = this.roundCaches.get(team.slug);
        if (!cache || cache.createdAt !== team.createdAt) {
          cache = new TeamRoundCache(team.createdAt);
          this.roundCaches.set(team.slug, cache);
        }
        this.metrics.roundQueries += 1;
        await cache.refresh(this.store, team.slug);
      }),
    );
  }

  private async frozenBoard(settings: Settings): Promise<ScoreboardView | null> {
    if (!settings.frozen) {
      this.frozenCache = null;
      return null;
    }
    if (this.frozenCache && this.frozenCache.frozenAt === settings.frozenAt) return this.frozenCache.board;
    const stored = await this.store.getFrozenSnapshot();
    const board = stored ? (JSON.parse(stored) as ScoreboardView) : null;
    this.frozenCache = { frozenAt: settings.frozenAt, board };
    return board;
  }

  /** Starts a scan of a team's table unless one is still running; resolves when that scan ends. */
  private scan(team: Team): Promise<void> {
    const key = JSON.stringify([team.connection, team.resources.aggregateTable]);
    let state = this.scans.get(team.slug);
    if (!state || state.key !== key) {
      state = { key, values: null, readAt: null, error: null, pending: null };
      this.scans.set(team.slug, state);
    }
    if (state.pending) return state.pending;
    const current = state;
    this.metrics.aggregateScans += 1;
    const startedAt = this.now();
    current.pending = this.readTable(team.connection, team.resources.aggregateTable)
      .then(
        (values) => {
          current.values = values;
          current.readAt = startedAt;
          current.error = null;
        },
        (error: unknown) => {
          current.error = error instanceof TableReadError ? error : new TableReadError('other', error instanceof Error ? error.message : String(error));
        },
      )
      .finally(() => (current.pending = null));
    return current.pending;
  }

  private async waitForScans(scans: Promise<void>[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.scanWaitMs)));
    await Promise.race([Promise.all(scans), timeout]);
    clearTimeout(timer);
  }

  /** The current snapshot's live standings as the frozen board's JSON. */
  async freezeBoard(): Promise<string> {
    this.invalidate();
    const snapshot = await this.current();
    return JSON.stringify(snapshot.live());
  }
}
