/**
 * The scoreboard's shared snapshot: at most one rebuild per second, whatever the number of viewers.
 * A rebuild reads settings and teams from the organiser store, only the rounds added since the last
 * rebuild (./round-cache.ts), and each team's AggregateTable once (./table-scans.ts). The views are
 * pure functions of that data (./views/); each is made, serialised and given an ETag once per snapshot.
 */

import os from 'node:os';
import { waitAtMost } from '../async';
import { errorMessage } from '../errors';
import { AgentRecords } from '../store/agent-records';
import type { OrganiserStore, SettingsDefaults } from '../store/organiser-store';
import type { Settings, Team } from '../store/types';
import { type ServedJson, serve } from './etag';
import { TeamRoundCache } from './round-cache';
import { type TableReader, TableScans } from './table-scans';
import { adminView } from './views/admin';
import type { BoardData } from './views/board-data';
import { frozenBoardOf, publicBoard } from './views/freeze';
import { tableReadable } from './views/live-table';
import { liveBoard } from './views/standings';
import { teamPage } from './views/team-page';
import type { AdminView, ScoreboardView, TeamView } from './views/types';

export interface SnapshotBuilderOptions {
  store: OrganiserStore;
  readTable?: TableReader;
  /** A snapshot younger than this is served as it is. */
  minIntervalMs?: number;
  /** How long a rebuild waits for AggregateTable reads; slower ones land in a later snapshot. */
  scanWaitMs?: number;
  now?: () => number;
  /** Round settings to show while the organiser store cannot be read. */
  settingsDefaults?: SettingsDefaults;
  /** Whether this workshop runs local teams (false in AWS mode, where there are no emulators). */
  localTeams?: boolean;
}

export interface SnapshotMetrics {
  snapshotBuilds: number;
  aggregateScans: number;
  roundQueries: number;
  lastBuildMs: number | null;
}

/** One rebuild's data and the views made from it, each made once, on first use. */
export class Snapshot {
  private liveView: ScoreboardView | null = null;
  private publicBoardView: ScoreboardView | null = null;
  private organiserView: AdminView | null = null;
  private publicJson: ServedJson | null = null;
  private adminJson: ServedJson | null = null;
  private readonly teamPages = new Map<string, ServedJson>();

  constructor(
    readonly builtAt: number,
    readonly data: BoardData,
  ) {}

  /** The standings as they are now (what the organiser sees, frozen or not). */
  live(): ScoreboardView {
    this.liveView ??= liveBoard(this.data);
    return this.liveView;
  }

  /** What everybody sees: the frozen standings while the board is frozen, with live settings and announcement. */
  publicView(): ScoreboardView {
    this.publicBoardView ??= publicBoard(this.live(), frozenBoardOf(this.data));
    return this.publicBoardView;
  }

  teamView(slug: string): TeamView | null {
    return teamPage(this.data, slug, this.live());
  }

  adminView(): AdminView {
    this.organiserView ??= adminView(this.data, this.live());
    return this.organiserView;
  }

  findTeam(slug: string): Team | undefined {
    return this.data.teams.find((candidate) => candidate.slug === slug);
  }

  scoreboard(): ServedJson {
    this.publicJson ??= serve(this.publicView());
    return this.publicJson;
  }

  /** A team's page served, or null for an unknown team. */
  teamPage(slug: string): ServedJson | null {
    const cached = this.teamPages.get(slug);
    if (cached) return cached;
    const view = this.teamView(slug);
    if (!view) return null;
    const served = serve(view);
    this.teamPages.set(slug, served);
    return served;
  }

  admin(): ServedJson {
    this.adminJson ??= serve(this.adminView());
    return this.adminJson;
  }
}

export class SnapshotBuilder {
  private readonly counts = { snapshotBuilds: 0, roundQueries: 0, lastBuildMs: null as number | null };
  private latest: Snapshot | null = null;
  private building: Promise<Snapshot> | null = null;
  private readonly roundCaches = new Map<string, TeamRoundCache>();
  private readonly tables: TableScans;
  private frozenCache: { frozenAt: string | null; board: ScoreboardView | null } | null = null;
  private readonly store: OrganiserStore;
  /** Remote teams' uploaded tables. */
  private readonly agents: AgentRecords;
  private readonly localTeams: boolean;
  private readonly minIntervalMs: number;
  private readonly scanWaitMs: number;
  private readonly now: () => number;
  private readonly fallbackSettings: Settings;

  constructor(options: SnapshotBuilderOptions) {
    this.store = options.store;
    this.agents = new AgentRecords(options.store);
    this.localTeams = options.localTeams ?? true;
    this.minIntervalMs = options.minIntervalMs ?? 1000;
    this.scanWaitMs = options.scanWaitMs ?? 800;
    this.now = options.now ?? Date.now;
    this.tables = new TableScans(options.readTable, this.now);
    const defaults = options.settingsDefaults ?? { roundIntervalSeconds: 60, roundMessages: 10_000, roundDeadlineSeconds: 30 };
    this.fallbackSettings = { ...defaults, paused: false, frozen: false, frozenAt: null, announcement: null, nextRoundAt: null };
  }

  /** What the snapshots cost so far in this process. */
  get metrics(): SnapshotMetrics {
    return { ...this.counts, aggregateScans: this.tables.started };
  }

  /** The current snapshot: the cached one while younger than the interval, else one shared rebuild. */
  async current(): Promise<Snapshot> {
    if (this.latest && this.now() - this.latest.builtAt < this.minIntervalMs) return this.latest;
    this.building ??= this.rebuild().finally(() => {
      this.building = null;
    });
    return this.building;
  }

  /** Drops the cached snapshot so the next request rebuilds (after an organiser action). */
  invalidate(): void {
    this.latest = null;
  }

  private async rebuild(): Promise<Snapshot> {
    const startedAt = this.now();
    this.counts.snapshotBuilds += 1;
    let data: BoardData;
    try {
      data = await this.fetch();
    } catch (error) {
      data = this.fallback(error);
    }
    this.counts.lastBuildMs = this.now() - startedAt;
    this.latest = new Snapshot(startedAt, data);
    return this.latest;
  }

  private async fetch(): Promise<BoardData> {
    const startedAt = this.now();
    const [settings, teams] = await Promise.all([this.store.getSettings(), this.store.listTeams()]);
    const reads = teams.filter(tableReadable).map((team) => this.tables.scan(team));
    const uploads = teams.some((team) => team.kind === 'remote') ? this.agents.tables() : Promise.resolve([]);
    const [frozenBoard, , , uploaded, cpuMeasurement] = await Promise.all([
      this.frozenBoard(settings),
      this.refreshRounds(teams),
      waitAtMost(Promise.all(reads), this.scanWaitMs),
      uploads,
      this.localTeams ? this.store.machine.cpuMeasurement() : null,
    ]);
    const caches = teams.map((team) => [team.slug, this.roundCaches.get(team.slug)] as const);
    const tables = new Map(this.tables.latest(new Set(teams.map((team) => team.slug))));
    for (const upload of uploaded)
      tables.set(upload.team, { values: new Map(Object.entries(upload.values)), readAt: Date.parse(upload.receivedAt), error: null });
    return {
      settings,
      teams,
      rounds: new Map(caches.map(([slug, cache]) => [slug, cache?.all() ?? []])),
      summaries: new Map(caches.map(([slug, cache]) => [slug, cache?.summaries() ?? []])),
      tables,
      frozenBoard,
      problem: null,
      localTeams: this.localTeams,
      machine: { cpuMeasurement, cores: os.availableParallelism() },
      readAt: startedAt,
    };
  }

  /** The last data read with the problem in words, or an empty board before any. */
  private fallback(error: unknown): BoardData {
    const reason = errorMessage(error);
    if (this.latest) return { ...this.latest.data, problem: `The organiser store is not answering (${reason}); these are the last standings read.` };
    return {
      settings: this.fallbackSettings,
      teams: [],
      rounds: new Map(),
      summaries: new Map(),
      tables: new Map(),
      frozenBoard: null,
      problem: `The organiser store is not answering (${reason}); the standings appear as soon as it does.`,
      localTeams: this.localTeams,
    };
  }

  private async refreshRounds(teams: readonly Team[]): Promise<void> {
    const slugs = new Set(teams.map((team) => team.slug));
    for (const slug of this.roundCaches.keys()) if (!slugs.has(slug)) this.roundCaches.delete(slug);
    await Promise.all(
      teams.map(async (team) => {
        let cache = this.roundCaches.get(team.slug);
        if (!cache || cache.createdAt !== team.createdAt) {
          cache = new TeamRoundCache(team.createdAt);
          this.roundCaches.set(team.slug, cache);
        }
        this.counts.roundQueries += 1;
        await cache.refresh(this.store, team.slug);
      }),
    );
  }

  /** The board saved at the freeze, read from the store once per freeze. */
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

  /** The live standings as they are now, as the frozen board's JSON (read afresh, not from the cache). */
  async freezeBoard(): Promise<string> {
    this.invalidate();
    const snapshot = await this.current();
    return JSON.stringify(snapshot.live());
  }
}
