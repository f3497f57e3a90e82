/**
 * The JSON the scoreboard serves (and its pages render): the public standings, one team's page, and
 * the organiser's live view. Shared by the server (which builds them, in this folder) and the React
 * components.
 */

import type { MachineCapacity } from '@/lib/domain/capacity';
import type { PipelineResources } from '@/lib/pipeline-resources';
import type {
  Announcement,
  Diagnosis,
  DiagnosisCode,
  FailurePercentages,
  Lab,
  LocalPipeline,
  LocalStatus,
  RoundCounts,
  RoundStatus,
  Team,
} from '@/lib/store/types';
import type { ScoreSeries } from './stats';

/** One round of a team, without its per-key details. */
export interface RoundSummary {
  number: number;
  lab: Lab;
  status: RoundStatus;
  passed: boolean;
  points: number;
  startedAt: string;
  endedAt: string | null;
  /** From the first record sent until the table first matched; null unless passed. */
  timeToCorrectMs: number | null;
  diagnosis: Diagnosis | null;
  /** Why a void round was not scored (a problem on the organiser's side): in the organiser's words for the organiser, `PUBLIC_VOID_REASON` for everyone else. */
  voidReason: string | null;
  counts: RoundCounts | null;
}

/**
 * A round the public may not see yet: it closed (or is still running) after the organiser froze the
 * standings. Only its number and start are shown, the same from its start until the standings are
 * revealed, so not even the moment it closed (an early close means it passed) shows.
 */
export interface SealedRound {
  number: number;
  status: 'sealed';
  startedAt: string;
}

/** A round on a team's page: summarised, or sealed while the standings are frozen. */
export type TeamRound = RoundSummary | SealedRound;

/** What the scheduler is doing in a round right now. */
export type RoundPhase = 'baseline' | 'sending' | 'waiting';

export interface RunningRound {
  number: number;
  phase: RoundPhase;
  startedAt: string;
  /** When the team's pipeline must have caught up (known once every record was sent). */
  deadlineAt: string | null;
}

export interface StandingsTeam {
  slug: string;
  name: string;
  kind: Team['kind'];
  active: boolean;
  rank: number;
  score: number;
  scoreReachedAt: string;
  lab: Lab;
  /** The latest closed rounds (at most 10), oldest first. */
  rounds: RoundSummary[];
  roundsPlayed: number;
  roundsPassed: number;
  medianTimeToCorrectMs: number | null;
  /** The round being played now, if any. */
  running: RunningRound | null;
}

/** No timestamp of its own, so an unchanged board keeps its ETag and pollers get 304s. */
export interface ScoreboardView {
  teams: StandingsTeam[];
  /** Cumulative scores of the top 10 teams per round number. */
  scoreHistory: ScoreSeries;
  nextRoundAt: string | null;
  paused: boolean;
  frozen: boolean;
  frozenAt: string | null;
  announcement: Announcement | null;
  roundIntervalSeconds: number;
  roundMessages: number;
  roundDeadlineSeconds: number;
  /** The newest round being played by any team; null on the public board while the standings are frozen. */
  runningRound: RunningRound | null;
  /** Something that keeps the board from being current, in words (e.g. the organiser store is down). */
  problem: string | null;
}

/** One of the 18 keys on a team's page: the change since the round's baseline against the expected change. */
export interface LiveKey {
  key: string;
  depth: 0 | 1 | 2;
  /** Expected change (2 decimals); null while the round's expected totals are not known yet. */
  expected: string | null;
  /** Observed change: current value − baseline (exact decimal). */
  actual: string;
  /** actual − expected; null when expected is unknown. */
  delta: string | null;
  matches: boolean | null;
}

export type LiveTableState = 'ok' | 'unreachable' | 'starting' | 'failed' | 'waiting';

export interface LiveTable {
  state: LiveTableState;
  /** Why the table could not be read, or what the team's resources are doing. */
  message: string | null;
  /** When the values shown were read, set only while the latest read failed (so a healthy view's ETag stays stable). */
  readAt: string | null;
  /**
   * The round the change is measured against (its baseline and expected totals); null before any
   * round. `sealed` while the standings are frozen and that round is sealed: the keys then show the
   * change only, without the expected totals, deltas or matches that would tell its verdict.
   */
  round: { number: number; status: RoundStatus | 'sealed'; phase: RoundPhase | null } | null;
  keys: LiveKey[];
  /** Messages counted since the baseline (the informative `message_count` item). */
  messageCount: string | null;
  matching: number;
}

export interface TeamDiagnosis {
  round: number;
  code: DiagnosisCode;
  message: string;
  labStep: string | null;
  /** What to look at, in the workshop's terms. */
  hint: string;
}

/** Who a team is and where it stands: the head of its page and of its row in the organiser's console. */
export interface TeamHeadline {
  slug: string;
  name: string;
  kind: Team['kind'];
  active: boolean;
  score: number;
  /** 0 for a team that is not ranked (on its page: added after the standings were frozen). */
  rank: number;
  lab: Lab;
}

/** What a local team's resources are doing. */
export interface LocalState {
  pipeline: LocalPipeline;
  status: LocalStatus;
  message: string | null;
}

/** A remote team's machine (room mode): online when its agent was seen within the last 10 s. */
export interface RemoteState {
  lastSeenAt: string | null;
  online: boolean;
  /** What the agent said about itself: its version, pipeline and host. */
  agent: { version: string; pipeline: string; host: string } | null;
}

export interface TeamView {
  team: TeamHeadline & { region: string; aggregateTable: string; local: LocalState | null; remote: RemoteState | null };
  live: LiveTable;
  /** Every round, newest first (sealed ones while the standings are frozen). */
  rounds: TeamRound[];
  /** The round being played now; null while the standings are frozen (its end would tell its verdict). */
  running: RunningRound | null;
  lastDiagnosis: TeamDiagnosis | null;
  medianTimeToCorrectMs: number | null;
  /** While the organiser keeps the standings frozen: score, rank and lab are those of the freeze, later rounds sealed. */
  frozen: boolean;
}

export interface AdminTeam extends TeamHeadline {
  labOverride: Lab | null;
  failurePercentages: FailurePercentages | null;
  region: string;
  roleArn: string | null;
  externalId: string | null;
  resources: PipelineResources;
  local: (LocalState & { resetPending: boolean }) | null;
  remote: RemoteState | null;
  lastRound: RoundSummary | null;
  tableState: LiveTableState;
  /** Why the table cannot be read (or what the team's resources are doing), in the organiser's words. */
  tableMessage: string | null;
}

export interface AdminView {
  /** The live standings, even while the public board is frozen. */
  live: ScoreboardView;
  teams: AdminTeam[];
  defaultFailurePercentages: FailurePercentages;
  /** Whether teams can be local (false in AWS mode: no emulators run). */
  localTeams: boolean;
  /** How many local-team messages per round this machine carries, and how many its local teams get now; null in AWS mode. */
  capacity: MachineCapacity | null;
}
