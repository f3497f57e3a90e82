/**
 * The agent's HTTP client for the organiser's `/api/agent/*` routes (docs/room.md): one JSON call
 * per method, the join token as a bearer token, a deadline on every call, and the answers sorted
 * into what the agent does next: go on, retry later (the network or the organiser is down, or it
 * throttles us), stop (the token was refused), or give up on this call (a 409 or another 4xx).
 */

import type { z } from 'zod';
import { timeoutSignal, untilAborted } from '@/lib/async';
import { errorMessage, TokenRefusedError } from '@/lib/errors';
import {
  type Hello,
  helloSchema,
  type LogsBody,
  nextRoundSchema,
  type RoundOffer,
  type SentBody,
  type StartBody,
  sentAnswerSchema,
  startedSchema,
  type TableBody,
} from './protocol';

/** Calls other than the long poll give up after this long. */
const CALL_TIMEOUT_MS = 15_000;
/** The long poll may be held this much longer than it asked for before we give up on it. */
const LONG_POLL_MARGIN_MS = 10_000;

/** The organiser could not be reached or answered with a server error: try again later. */
export class OrganiserUnreachableError extends Error {
  constructor(
    message: string,
    /** Seconds the organiser asked us to wait (429 Retry-After), if it did. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** The organiser refused the call for good (a 4xx other than 401 and 429): `reason` is a 409's. */
export class AgentCallRefusedError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason?: string,
  ) {
    super(message);
  }
}

/** What the agent tells the organiser about itself (kept on the team record). */
export interface AgentDescription {
  version: string;
  pipeline: 'handlers' | 'solution';
  host: string;
}

interface CallOptions {
  body?: unknown;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export class OrganiserClient {
  readonly baseUrl: string;

  constructor(
    organiserUrl: string,
    private readonly token: string,
    private readonly description: AgentDescription,
  ) {
    this.baseUrl = organiserUrl.replace(/\/+$/, '');
  }

  /** Who am I: the team, its page on the scoreboard, the organiser's clock and the limits to keep. */
  async hello(signal?: AbortSignal): Promise<Hello> {
    const query = new URLSearchParams({
      version: this.description.version.slice(0, 64),
      pipeline: this.description.pipeline,
      host: this.description.host.slice(0, 64),
    });
    const { json } = await this.call('GET', `/api/agent/hello?${query}`, { signal });
    return parse(helloSchema, json, 'hello');
  }

  /** The team's open round, or null when none came within `waitSeconds`. */
  async nextRound(after: number, waitSeconds: number, signal?: AbortSignal): Promise<RoundOffer | null> {
    const { status, json } = await this.call('GET', `/api/agent/rounds/next?after=${after}&waitSeconds=${waitSeconds}`, {
      timeoutMs: waitSeconds * 1000 + LONG_POLL_MARGIN_MS,
      signal,
    });
    if (status === 204) return null;
    return parse(nextRoundSchema, json, 'rounds/next').offer;
  }

  async start(round: number, body: StartBody, signal?: AbortSignal) {
    const { json } = await this.call('POST', `/api/agent/rounds/${round}/start`, { body, signal });
    return parse(startedSchema, json, 'start');
  }

  async sent(round: number, body: SentBody, signal?: AbortSignal) {
    const { json } = await this.call('POST', `/api/agent/rounds/${round}/sent`, { body, signal });
    return parse(sentAnswerSchema, json, 'sent');
  }

  async putTable(body: TableBody, signal?: AbortSignal): Promise<void> {
    await this.call('PUT', '/api/agent/table', { body, signal });
  }

  async postLogs(body: LogsBody, signal?: AbortSignal): Promise<void> {
    await this.call('POST', '/api/agent/logs', { body, signal });
  }

  private async call(method: string, path: string, options: CallOptions): Promise<{ status: number; json: unknown }> {
    const signal = timeoutSignal(options.timeoutMs ?? CALL_TIMEOUT_MS, options.signal);
    let response: Response;
    try {
      const request = fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal,
      });
      response = await untilAborted(request, signal);
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw new OrganiserUnreachableError(`the organiser at ${this.baseUrl} could not be reached: ${networkProblem(error)}`);
    }
    let text: string;
    try {
      text = await untilAborted(response.text(), signal); // fetch may never end the read itself (lib/async.ts)
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw new OrganiserUnreachableError(`the organiser's answer to ${method} ${path.split('?')[0]} was cut off: ${networkProblem(error)}`);
    }
    const json = parseJson(text);
    const said = typeof json === 'object' && json && 'error' in json && typeof json.error === 'string' ? json.error : text.slice(0, 200);
    if (response.status === 401) {
      throw new TokenRefusedError(
        `the organiser at ${this.baseUrl} refused this join token (${said || 'HTTP 401'}): ask the organiser for your team's current join command`,
      );
    }
    if (response.status === 429) {
      const retryAfter = Number(response.headers.get('retry-after'));
      throw new OrganiserUnreachableError(
        `the organiser asked the agent to slow down: ${said}`,
        Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : 5,
      );
    }
    if (response.status >= 500) throw new OrganiserUnreachableError(`the organiser answered ${response.status}: ${said}`);
    if (response.status >= 400) {
      const reason = typeof json === 'object' && json && 'reason' in json && typeof json.reason === 'string' ? json.reason : undefined;
      throw new AgentCallRefusedError(response.status, `${method} ${path.split('?')[0]} was refused (${response.status}): ${said}`, reason);
    }
    return { status: response.status, json };
  }
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function parse<T>(schema: z.ZodType<T>, json: unknown, what: string): T {
  const result = schema.safeParse(json);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');
    throw new OrganiserUnreachableError(
      `the organiser's answer to ${what} is not what this agent understands (${problems}): is the organiser running another version?`,
    );
  }
  return result.data;
}

/** What went wrong on the network, as one phrase (fetch hides the reason in `cause`). */
function networkProblem(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code) return cause.code;
  if ((error as { name?: string })?.name === 'TimeoutError') return 'no answer in time';
  return cause?.message ?? errorMessage(error);
}
