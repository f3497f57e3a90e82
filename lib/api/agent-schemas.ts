/**
 * Input of the agent API (docs/room.md), validated with zod: every rejection names the field at
 * fault. Sizes are bounded here as well as by the web server's body caps (./body-limits.ts).
 */
import { z } from 'zod';
import { AGGREGATION_KEYS, MESSAGE_COUNT_KEY } from '../domain/hierarchy';
import { PIPELINE_FUNCTIONS } from '../pipeline-resources';

const TABLE_KEYS = [MESSAGE_COUNT_KEY, ...AGGREGATION_KEYS] as [string, ...string[]];
const describeText = (max: number) => z.string().max(max, `at most ${max} characters`);

export const helloQuerySchema = z.object({
  version: describeText(64).default(''),
  pipeline: describeText(64).default(''),
  host: describeText(64).default(''),
});

export const nextRoundQuerySchema = z.object({
  after: z.coerce.number().int('after must be a whole number').min(0, 'after must be at least 0').default(0),
  waitSeconds: z.coerce.number().min(0, 'waitSeconds must be 0–25').max(25, 'waitSeconds must be 0–25').default(25),
});

/** Limits the agent must keep, told at `hello` (the agent falls back on these when an organiser leaves one out). */
export const AGENT_LIMITS = {
  longPollSeconds: 25,
  /** How often the agent reads its table; a change it reads twice in a row (the table settled) is uploaded at once. */
  tableUploadMinIntervalMs: 250,
  /** A table still changing is uploaded at most this often (each upload is a request and a store write for the organiser). */
  tableChangingUploadIntervalMs: 2000,
  logEntriesPerCall: 100,
  /** Logs are forwarded in batches this far apart: one call per batch (the team page shows them as late at most). */
  logForwardIntervalMs: 15_000,
  offlineAfterSeconds: 10,
} as const;

/** `startId`: 8–64 letters, digits, `-` or `_`. */
export const START_ID = /^[A-Za-z0-9_-]{8,64}$/;
/** `error` of a sent report: at most this many characters. */
export const MAX_SENT_ERROR_CHARS = 500;

export const roundNumberSchema = z.coerce.number().int('a round number is a whole number').min(1, 'a round number is at least 1');

const startId = z.string().regex(START_ID, 'startId must be 8–64 letters, digits, "-" or "_"');

/** The table's keys as read: each one of the 18 aggregation keys or message_count, as a decimal string of at most 64 characters. */
const tableValues = z.partialRecord(
  z.enum(TABLE_KEYS, { error: 'a key must be one of the 18 aggregation keys or message_count' }),
  z.string().max(64, 'a value is at most 64 characters'),
);
const unreadable = z
  .array(z.strictObject({ key: z.string().max(64, 'key: at most 64 characters'), problem: z.string().max(200, 'problem: at most 200 characters') }))
  .max(TABLE_KEYS.length, `unreadable lists at most ${TABLE_KEYS.length} keys`)
  .default([]);

export const startSchema = z.strictObject({ startId, baseline: tableValues, unreadable });
export type StartReport = z.infer<typeof startSchema>;

export const sentSchema = z.union(
  [
    z.strictObject({
      startId,
      acknowledged: z.number().int('acknowledged must be a whole number').min(0).max(1_000_000),
      durationMs: z.number().min(0, 'durationMs must be at least 0').max(86_400_000),
    }),
    z.strictObject({
      startId,
      error: z.string().min(1, 'error must not be empty').max(MAX_SENT_ERROR_CHARS, `error: at most ${MAX_SENT_ERROR_CHARS} characters`),
    }),
  ],
  { error: 'give { startId, acknowledged, durationMs } or { startId, error }' },
);
export type SentReport = z.infer<typeof sentSchema>;

export const tableSchema = z.strictObject({
  values: tableValues,
  unreadable,
  readAt: z.string().max(40, 'readAt: at most 40 characters').nullable().default(null),
});
export type TableReport = z.infer<typeof tableSchema>;

const logEntry = z.object({
  id: z.number().int().min(0),
  time: z.string().max(40),
  team: z.string().max(64).optional(),
  function: z.enum(PIPELINE_FUNCTIONS as [string, ...string[]], { error: 'function must be state, map or reduce' }),
  requestId: z.string().max(128).optional(),
  kind: z.enum(['start', 'output', 'end', 'system']),
  level: z.enum(['info', 'warn', 'error']),
  message: z.string().max(8192, 'message: at most 8192 characters'),
  records: z.number().int().min(0).optional(),
  durationMs: z.number().min(0).optional(),
  outcome: z.enum(['success', 'error', 'timeout']).optional(),
  stack: z.string().max(8192, 'stack: at most 8192 characters').optional(),
  shardId: z.string().max(128).optional(),
  attempt: z.number().int().min(0).optional(),
});

export const logsSchema = z.strictObject({
  entries: z.array(logEntry).max(AGENT_LIMITS.logEntriesPerCall, `entries: at most ${AGENT_LIMITS.logEntriesPerCall} per call`),
});
export type LogsReport = z.infer<typeof logsSchema>;
