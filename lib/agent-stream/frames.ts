/**
 * The agent stream (docs/room.md "The agent stream"): one WebSocket per remote team's agent, opened
 * at `GET /api/agent/stream` on the organiser's web port with the join token as a bearer token, and
 * served by the scheduler that runs the rounds (./hub.ts), the web server only passing its bytes
 * through (./pass-through.ts). It carries the agent API's calls as frames — the same paths, bodies
 * and answers (status and JSON) as over HTTP — and the organiser's round offers, so a remote
 * team-round costs the organiser no HTTP request and few store writes. An agent that cannot open it
 * (another web instance, a proxy without WebSockets) makes the same calls over HTTP.
 */
import { z } from 'zod';

export const AGENT_STREAM_PATH = '/api/agent/stream';

/** The largest frame either side takes: a log batch at the HTTP route's body limit (1 MB) and the call around it; each call is held to its route's limit (lib/api/body-limits.ts). */
export const MAX_FRAME_BYTES = 1024 * 1024 + 1024;

/** The organiser pings every this often; a link that answered no ping since the last is closed. */
export const PING_INTERVAL_MS = 15_000;

/** A call of the agent API, as the agent sends it: `id` pairs it with its answer. */
export const callFrameSchema = z.strictObject({
  id: z.number().int().min(0),
  method: z.enum(['POST', 'PUT']),
  path: z.string().max(200),
  body: z.unknown(),
});
export type CallFrame = z.infer<typeof callFrameSchema>;

/** The organiser's answer to a call: what the HTTP route would have answered. */
export interface AnswerFrame {
  type: 'answer';
  id: number;
  status: number;
  body: unknown;
  /** A 429's Retry-After. */
  retryAfterSeconds?: number;
}

/** A round for the agent (as `rounds/next` answers it: `offer`), sent when it begins and on connecting while it is open. */
export interface OfferFrame {
  type: 'offer';
  offer: unknown;
}

export type OrganiserFrame = AnswerFrame | OfferFrame;

/**
 * The organiser store the web server serves, as it tells the hub in this header of each upgrade it
 * passes (a client's copy dropped): a hub serving another store (two organisers' stacks on one
 * machine) refuses the upgrade, and the agent uses HTTP, never another game's scheduler.
 */
export const STORE_HEADER = 'x-agent-stream-store';

/** Names the organiser store of a configuration: its endpoint (or AWS region) and table. */
export function storeIdentity(config: { ORGANISER_STORE_ENDPOINT?: string; AWS_REGION: string; ORGANISER_TABLE: string }): string {
  return `${config.ORGANISER_STORE_ENDPOINT ?? `aws:${config.AWS_REGION}`}/${config.ORGANISER_TABLE}`;
}

/** Close codes the organiser uses, and what the agent does after each (docs/room.md). */
export const CLOSE_CODES = {
  /** Another connection of the same team's agent replaced this one: do not reconnect at once. */
  replaced: 4000,
  /** The join token was revoked or regenerated: the agent stops, as on an HTTP 401. */
  tokenRefused: 4001,
  /** Frames that are not calls: the agent is another program or version. */
  unreadable: 4002,
  /** The scheduler stopped serving agents (stopping, or no longer leader): reconnect, else use HTTP. */
  goingAway: 1001,
} as const;
