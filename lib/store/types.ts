/**
 * What the organiser store holds (SPEC §9): teams, settings, rounds with their verdicts, the
 * scheduler's lease and organiser commands. Shared by the scheduler, the web app and the supervisor.
 */
import type { Connection } from '../aws/clients';
import type { KeyVerdict } from '../domain/verdict';
import type { PipelineFunction, PipelineResources } from '../pipeline-resources';

export type Lab = 1 | 2;
export type FailurePercentages = Record<PipelineFunction, number>;

/** Which code a local team's functions run. */
export type LocalPipeline = 'handlers' | 'solution';

export type LocalStatus = 'starting' | 'ready' | 'failed' | 'resetting';

/** State of a local team's resources, maintained by the supervisor. */
export interface LocalTeamState {
  pipeline: LocalPipeline;
  status: LocalStatus;
  message?: string;
  /** Set by the organiser to ask for a reset; the supervisor acts when it is newer than `resetDoneAt`. */
  resetRequestedAt?: string;
  resetDoneAt?: string;
}

export interface Team {
  slug: string;
  name: string;
  kind: 'local' | 'aws';
  /** Rounds run only for active teams. */
  active: boolean;
  /** The lab the team plays now (from progression, or the organiser's override). */
  lab: Lab;
  /** The organiser's override of the lab; null = automatic progression. */
  labOverride: Lab | null;
  /** The organiser's failure percentages for Lab 2; null = the workshop's defaults. */
  failurePercentages: FailurePercentages | null;
  score: number;
  /** When the team reached its current score (ties rank the earlier team higher). */
  scoreReachedAt: string;
  createdAt: string;
  connection: Connection;
  resources: PipelineResources;
  /** Present for local teams only. */
  local?: LocalTeamState;
}

export interface Announcement {
  text: string;
  postedAt: string;
}

export interface Settings {
  roundIntervalSeconds: number;
  roundMessages: number;
  roundDeadlineSeconds: number;
  paused: boolean;
  frozen: boolean;
  frozenAt: string | null;
  announcement: Announcement | null;
  /** When the scheduler will start the next round (null when paused or no scheduler runs). */
  nextRoundAt: string | null;
}

/** What the generator sent in a round (SPEC §4, the dry-run's `counts`). */
export interface RoundCounts {
  messages: number;
  new: number;
  modifiedInOrder: number;
  modifiedOutOfOrder: number;
  duplicates: number;
}

export type DiagnosisCode = 'no-change' | 'missing-table' | 'access-denied' | 'partial' | 'stale-versions' | 'double-applied' | 'unknown';

export interface Diagnosis {
  code: DiagnosisCode;
  /** One or two sentences a participant understands. */
  message: string;
  /** The workshop step that fixes it, e.g. "Lab 2, step 1". */
  labStep?: string;
}

export type RoundStatus = 'running' | 'passed' | 'failed' | 'void';

export interface Round {
  team: string;
  number: number;
  lab: Lab;
  seed: number;
  status: RoundStatus;
  startedAt: string;
  /** When the first record was sent; time-to-correct counts from here. */
  sendStartedAt?: string;
  /** When every record was acknowledged; the deadline counts from here. */
  sentAt?: string;
  deadlineAt?: string;
  endedAt?: string;
  counts?: RoundCounts;
  /** The AggregateTable before the burst: key → raw number string. */
  baseline?: Record<string, string>;
  /** Expected change per key, decimal strings with 2 decimals (all 18 keys). */
  expected?: Record<string, string>;
  /** Per-key verdict at the end of the round. */
  keys?: KeyVerdict[];
  timeToCorrectMs?: number | null;
  diagnosis?: Diagnosis | null;
  /** Why the round was not scored (our side failed). */
  voidReason?: string;
  points: number;
}

/** An organiser request the scheduler carries out. */
export interface Command {
  id: string;
  type: 'start-round';
  /** Teams to run a round for; all active teams when absent. */
  teams?: string[];
  requestedAt: string;
}
