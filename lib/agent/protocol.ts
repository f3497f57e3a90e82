/**
 * The agent protocol's messages as the participant's agent reads and writes them (docs/room.md is
 * the contract): the organiser's answers, checked with zod so a changed organiser fails with a
 * sentence rather than a crash, and the bodies the agent sends.
 */
import { z } from 'zod';
import { AGENT_LIMITS, type logsSchema, type sentSchema, type startSchema, type tableSchema } from '../api/agent-schemas';

/** Limits the organiser asks the agent to keep (defaults from docs/room.md when absent). */
const agentLimits = z.object({
  longPollSeconds: z.number().int().min(0).max(25).default(AGENT_LIMITS.longPollSeconds),
  tableUploadMinIntervalMs: z.number().int().min(0).default(AGENT_LIMITS.tableUploadMinIntervalMs),
  tableChangingUploadIntervalMs: z.number().int().min(0).default(AGENT_LIMITS.tableChangingUploadIntervalMs),
  logEntriesPerCall: z.number().int().min(1).max(1000).default(AGENT_LIMITS.logEntriesPerCall),
  logForwardIntervalMs: z.number().int().min(0).default(AGENT_LIMITS.logForwardIntervalMs),
  offlineAfterSeconds: z.number().int().min(1).default(AGENT_LIMITS.offlineAfterSeconds),
});

export const helloSchema = z.object({
  team: z.object({ slug: z.string().min(1), name: z.string().min(1) }),
  teamPageUrl: z.string().url(),
  serverTime: z.string(),
  settings: z
    .object({
      roundIntervalSeconds: z.number().optional(),
      roundMessages: z.number().optional(),
      roundDeadlineSeconds: z.number().optional(),
      paused: z.boolean().optional(),
      nextRoundAt: z.string().nullable().optional(),
    })
    .passthrough()
    .optional(),
  agent: agentLimits.default(agentLimits.parse({})),
});
export type Hello = z.infer<typeof helloSchema>;
export type AgentLimits = Hello['agent'];

const percentage = z.number().min(0).max(100);

export const offerSchema = z.object({
  number: z.number().int().positive(),
  lab: z.union([z.literal(1), z.literal(2)]),
  seed: z.number().int().nonnegative(),
  messages: z.number().int().positive().max(100_000),
  failurePercentages: z.object({ state: percentage, map: percentage, reduce: percentage }),
  deadlineSeconds: z.number().positive(),
  offeredAt: z.string(),
  startBy: z.string(),
  started: z.object({ startId: z.string(), startedAt: z.string() }).nullable(),
});
export type RoundOffer = z.infer<typeof offerSchema>;
export const nextRoundSchema = z.object({ offer: offerSchema });

export const startedSchema = z.object({ number: z.number().int(), startId: z.string(), startedAt: z.string() });
export const sentAnswerSchema = z.object({ number: z.number().int(), sentAt: z.string(), deadlineAt: z.string().nullable() });

/** A key of the AggregateTable whose `Value` the game cannot read. */
export interface UnreadableKey {
  key: string;
  problem: string;
}

/** The 18 aggregation keys and message_count as read from the AggregateTable (absent keys left out). */
export interface TableReport {
  values: Record<string, string>;
  unreadable: UnreadableKey[];
}

/** What the agent sends: the inputs of the organiser's own schemas (lib/api/agent-schemas.ts), so the two sides cannot drift. */
export type StartBody = z.input<typeof startSchema>;
export type SentBody = z.input<typeof sentSchema>;
export type TableBody = z.input<typeof tableSchema>;
export type LogsBody = z.input<typeof logsSchema>;
