/**
 * What every view of the scoreboard is made from: the organiser store's records and the latest read
 * of each team's AggregateTable, at one moment. The snapshot (`../snapshot.ts`) fetches and caches
 * it; the views in this folder are pure functions of it.
 */
import type { CpuMeasurement } from '@/lib/domain/capacity';
import type { TableValues } from '@/lib/domain/verdict';
import type { Round, Settings, Team } from '@/lib/store/types';
import type { RoundSummary, ScoreboardView } from './types';

/** The latest read of a team's AggregateTable. */
export interface TableRead {
  /** The values last read successfully (kept while later reads fail); null before the first. */
  values: TableValues | null;
  /** When `values` were read, in ms since the epoch. */
  readAt: number | null;
  /**
   * Why the latest read failed, and whose side failed: the organiser's when its credentials could not
   * assume the team's role (the message then names the role ARN: organiser's eyes only); null when it succeeded.
   */
  error: { message: string; side: 'team' | 'organiser' } | null;
}

export interface BoardData {
  settings: Settings;
  /** Every team, in any order. */
  teams: readonly Team[];
  /** Each team's rounds, oldest first; only the newest keep their baseline, expected totals and per-key verdicts. */
  rounds: ReadonlyMap<string, readonly Round[]>;
  /** Each team's rounds summarised, oldest first (made once per round, by the round cache). */
  summaries: ReadonlyMap<string, readonly RoundSummary[]>;
  /** Each readable team's AggregateTable, by slug. */
  tables: ReadonlyMap<string, TableRead>;
  /** The live board saved when the organiser froze the standings; null when they are not frozen. */
  frozenBoard: ScoreboardView | null;
  /** Something that keeps the data from being current, in words (e.g. the organiser store is down). */
  problem: string | null;
  /** Whether this workshop runs local teams (false in AWS mode: no emulators). */
  localTeams: boolean;
  /** What the organiser's machine measured about its local teams' stack, and its cores (local mode only). */
  machine?: { cpuMeasurement: CpuMeasurement | null; cores: number };
  /** When the data was read (ms since the epoch): remote teams' agents are online if seen within 10 s of it. */
  readAt?: number;
}
