/**
 * One line of a team's function logs, as the local runtime records it and serves it over HTTP
 * (`GET /logs?team=<slug>&function=<state|map|reduce>&after=<id>&limit=<n>` → `{ entries: LogEntry[] }`).
 */
import type { PipelineFunction } from '@/lib/pipeline-resources';

export type LogKind =
  /** An invocation began (with its record count). */
  | 'start'
  /** Console output of the handler during an invocation. */
  | 'output'
  /** An invocation ended (with outcome and duration; error and stack on failure). */
  | 'end'
  /** A message from the runtime itself: code loaded or failed to build, trigger added, … */
  | 'system';

export interface LogEntry {
  /** Increasing per team; pass the last one seen as `after` to follow. */
  id: number;
  /** ISO time. */
  time: string;
  team: string;
  function: PipelineFunction;
  /** The invocation's awsRequestId (absent for system entries). */
  requestId?: string;
  kind: LogKind;
  level: 'info' | 'warn' | 'error';
  message: string;
  /** start: number of records in the batch. */
  records?: number;
  /** end: how long the invocation ran. */
  durationMs?: number;
  /** end: how it finished. */
  outcome?: 'success' | 'error' | 'timeout';
  /** end (error): the error's stack. */
  stack?: string;
  /** start/end: the shard the batch came from. */
  shardId?: string;
  /** start/end: 1 for the first delivery of a batch, 2 for its first retry, … */
  attempt?: number;
}
