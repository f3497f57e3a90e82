/**
 * Configuration from environment variables, validated once, with the defaults of the workshop.
 * A bad value stops with a message naming the variable and what it should be.
 */
import { z } from 'zod';
import { ConfigError } from './errors';

const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().positive();

const schema = z.object({
  /** local: emulators and local teams on this machine; aws: teams' stacks and the organiser store on AWS. */
  WORKSHOP_MODE: z.enum(['local', 'aws']).default('local'),
  PORT: port.default(3000),
  KINESIS_PORT: port.default(4567),
  ORGANISER_STORE_PORT: port.default(8000),
  RUNTIME_PORT: port.default(3001),
  /** The scheduler serves remote teams' agent streams on 127.0.0.1 here, and the web app passes them to it (docs/room.md); 0: none (agents use HTTP calls). */
  AGENT_STREAM_PORT: z.coerce.number().int().min(0).max(65535).default(3002),
  /** First port tried for teams' DynamoDB Local processes (each team takes the next free one). */
  TEAM_PORT_BASE: port.default(8100),
  WORKSHOP_DATA_DIR: z.string().min(1).default('.workshop'),
  SHARD_COUNT: positiveInt.max(50).default(4),
  ROUND_INTERVAL_SECONDS: positiveInt.default(60),
  ROUND_MESSAGES: positiveInt.max(100_000).default(10_000),
  ROUND_DEADLINE_SECONDS: positiveInt.default(30),
  /** How long the scheduler's lease holds without renewal: a standby scheduler takes over this long after the leader died. */
  SCHEDULER_LEASE_TTL_MS: positiveInt.min(1000).default(15_000),
  /** How long the event may last from `npm start` (AWS mode): the organiser's credentials are checked to outlive it. */
  EVENT_HOURS: positiveInt.max(168).default(8),
  /** Organiser store: a DynamoDB endpoint (local) or empty for AWS in AWS_REGION. */
  ORGANISER_STORE_ENDPOINT: z.string().url().optional(),
  ORGANISER_TABLE: z.string().min(3).default('WorkshopOrganiser'),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  ORGANISER_SECRET: z.string().min(8, 'ORGANISER_SECRET must be at least 8 characters').optional(),
  /** Local function runtime's HTTP endpoint (logs), as the web app reaches it. */
  RUNTIME_URL: z.string().url().optional(),
  /**
   * Reverse proxies in front of the scoreboard whose X-Forwarded-For and X-Forwarded-Proto are
   * believed (`true` is 1); unset or 0: the connection's own address, whatever clients send.
   */
  TRUST_PROXY: z.preprocess((value) => (value === 'true' ? 1 : value === 'false' ? 0 : value), z.coerce.number().int().min(0).max(10)).default(0),
  /** The scoreboard's address as participants reach it, for link previews; by default the address each request came to. */
  PUBLIC_URL: z.string().url('PUBLIC_URL must be a URL such as https://scoreboard.example.org').optional(),
});

export type Config = z.infer<typeof schema>;

/** Reads and validates the configuration from an environment (process.env by default). */
export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = schema.safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  return result.data;
}
