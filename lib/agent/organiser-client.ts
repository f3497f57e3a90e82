/**
 * The agent's client for the organiser's `/api/agent/*` routes (docs/room.md): one JSON call per
 * method, the join token as a bearer token, a deadline on every call, made over the organiser's agent
 * stream while it is open (./organiser-stream.ts) and over HTTP otherwise, and the answers, however
 * they came, sorted into what the agent does next: go on, retry later (the network or the organiser
 * is down, or it throttles us), stop (the token was refused), or give up on this call (a 409 or
 * another 4xx).
 */

import type { z } from 'zod';
import { timeoutSignal, untilAborted } from '@/lib/async';
import { AgentCallRefusedError, networkProblem, OrganiserUnreachableError, parseJson, saidIn, tokenRefusedError } from './organiser-errors';
import { OrganiserStream } from './organiser-stream';
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
/** Waiting for an offer over the agent stream costs the organiser nothing: never less than this (no busy loop at a 0 s long poll). */
const MIN_STREAM_WAIT_SECONDS = 1;
/** The long poll may be held this much longer than it asked for before we give up on it. */
const LONG_POLL_MARGIN_MS = 10_000;

/** What the agent tells the organiser about itself (kept on the team record). */
export interface AgentDescription {
  version: string;
  pipeline: 'handlers' | 'solution';
  host: string;
}

/** An answer of the organiser, over HTTP or the agent stream alike. */
interface Answer {
  status: number;
  /** The body parsed, undefined when there was none or it was not JSON. */
  json: unknown;
  text: string;
  /** A 429's Retry-After, in seconds (absent or not a number when none was given). */
  retryAfterSeconds?: number;
}

interface CallOptions {
  body?: unknown;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export class OrganiserClient {
  readonly baseUrl: string;
  /** The organiser's agent stream: calls and offers go over it while it is open (the agent keeps it open with `stream.run`). */
  readonly stream: OrganiserStream;

  constructor(
    organiserUrl: string,
    private readonly token: string,
    private readonly description: AgentDescription,
  ) {
    this.baseUrl = organiserUrl.replace(/\/+$/, '');
    this.stream = new OrganiserStream(this.baseUrl, token);
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

  /**
   * The team's open round, or null when none came within `waitSeconds`: offered over the agent
   * stream while it is open (null too when it closes first; the caller asks again), else long polled.
   */
  async nextRound(after: number, waitSeconds: number, signal?: AbortSignal): Promise<RoundOffer | null> {
    if (this.stream.open) return this.stream.nextOffer(after, Math.max(waitSeconds, MIN_STREAM_WAIT_SECONDS) * 1000, signal);
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

  private async call(method: 'GET' | 'POST' | 'PUT', path: string, options: CallOptions): Promise<{ status: number; json: unknown }> {
    const answer = method !== 'GET' && this.stream.open ? await this.callOverStream(method, path, options) : await this.fetchAnswer(method, path, options);
    return this.interpret(method, path, answer);
  }

  private async callOverStream(method: 'POST' | 'PUT', path: string, options: CallOptions): Promise<Answer> {
    const { status, json, retryAfterSeconds } = await this.stream.call(method, path, options.body, {
      timeoutMs: options.timeoutMs ?? CALL_TIMEOUT_MS,
      signal: options.signal,
    });
    return { status, json, text: json === undefined ? '' : JSON.stringify(json), retryAfterSeconds };
  }

  private async fetchAnswer(method: string, path: string, options: CallOptions): Promise<Answer> {
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
    return { status: response.status, json: parseJson(text), text, retryAfterSeconds: Number(response.headers.get('retry-after')) };
  }

  /** Sorts an answer, however it came, into going on (returned), retrying later, stopping, or giving up on the call (thrown). */
  private interpret(method: string, path: string, answer: Answer): { status: number; json: unknown } {
    const { status, json, retryAfterSeconds } = answer;
    const said = saidIn(json, answer.text);
    if (status === 401) throw tokenRefusedError(this.baseUrl, answer.text);
    if (status === 429) {
      throw new OrganiserUnreachableError(
        `the organiser asked the agent to slow down: ${said}`,
        retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds) && retryAfterSeconds > 0 ? retryAfterSeconds : 5,
      );
    }
    if (status >= 500) throw new OrganiserUnreachableError(`the organiser answered ${status}: ${said}`);
    if (status >= 400) {
      const reason = typeof json === 'object' && json && 'reason' in json && typeof json.reason === 'string' ? json.reason : undefined;
      throw new AgentCallRefusedError(status, `${method} ${path.split('?')[0]} was refused (${status}): ${said}`, reason);
    }
    return { status, json };
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
