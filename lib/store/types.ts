/**
 * What the organiser store holds (docs/game.md, Where it runs): teams, settings, rounds with their verdicts, the
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

/** What the agent of a remote team said about itself at its latest `hello` (docs/room.md). */
export interface AgentInfo {
  version: string;
  pipeline: string;
  host: string;
}

/** A remote team's connection with its agent; online/offline is derived from `seenUntil` (docs/room.md). */
export interface RemoteTeamState {
  /** The organiser's time of the agent's latest request as last written (docs/room.md: every 5 s in a round, 15 s between); null before the first. */
  lastSeenAt: string | null;
  /** Until when the agent counts as online if no later request is written (absent in records written before it: `lastSeenAt` + 10 s). */
  seenUntil?: string | null;
  agent: AgentInfo | null;
}

export type TeamKind = 'local' | 'aws' | 'remote';

export interface Team {
  slug: string;
  name: string;
  kind: TeamKind;
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
  /** Present for remote teams only. */
  remote?: RemoteTeamState;
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

/** What the generator sent in a round (docs/game.md, A round; the dry-run's `counts`). */
export interface RoundCounts {
  messages: number;
  new: number;
  modifiedInOrder: number;
  modifiedOutOfOrder: number;
  duplicates: number;
}

export type DiagnosisCode =
  | 'offline'
  | 'no-change'
  | 'missing-table'
  | 'access-denied'
  | 'partial'
  | 'stale-versions'
  | 'double-applied'
  | 'bad-value'
  | 'unknown';

export interface Diagnosis {
  code: DiagnosisCode;
  /** One or two sentences a participant understands. */
  message: string;
  /** The workshop step that fixes it, e.g. "Lab 2, step 1". */
  labStep?: string;
}

export type RoundStatus = 'running' | 'passed' | 'failed' | 'void';

/** A remote team's round as its agent gets it (docs/room.md): written with the round, never changed. */
export interface RoundOffer {
  messages: number;
  failurePercentages: FailurePercentages;
  deadlineSeconds: number;
  offeredAt: string;
  /** The agent must start the round before this (organiser's clock), else it fails `offline`. */
  startBy: string;
}

/** The agent's `start` that won the round (first writer wins). */
export interface AgentStart {
  startId: string;
  /** The organiser's clock; time-to-correct counts from here. */
  startedAt: string;
  /** Keys the agent could not read as numbers, with why. */
  unreadable: Array<{ key: string; problem: string }>;
}

/** The agent's `sent` report. */
export interface AgentSent {
  startId: string;
  /** The organiser's time of arrival: the deadline counts from here. */
  sentAt: string;
  acknowledged: number | null;
  durationMs: number | null;
  /** Why the burst could not be sent whole (the round then fails `offline`). */
  error: string | null;
}

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
  /** Remote teams: the round as offered to the agent, and the agent's reports. */
  offer?: RoundOffer;
  agentStart?: AgentStart;
  agentSent?: AgentSent;
}

/** An organiser request the scheduler carries out. */
export interface Command {
  id: string;
  type: 'start-round';
  /** Teams to run a round for; all active teams when absent. */
  teams?: string[];
  requestedAt: string;
}
