/**
 * What the agent's calls to the organiser end in, over HTTP or the agent stream alike
 * (./organiser-client.ts, ./organiser-stream.ts): retry later, give up on the call, or stop because
 * the token was refused (TokenRefusedError, lib/errors.ts).
 */
import { errorMessage, TokenRefusedError } from '@/lib/errors';

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

/** The error for a refused join token (a 401, over HTTP or at the agent stream's upgrade); `text` is the organiser's answer. */
export function tokenRefusedError(baseUrl: string, text: string): TokenRefusedError {
  return new TokenRefusedError(
    `the organiser at ${baseUrl} refused this join token (${saidIn(parseJson(text), text) || 'HTTP 401'}): ask the organiser for your team's current join command`,
  );
}

/** What the organiser said: its JSON answer's `error`, else the start of the answer. */
export function saidIn(json: unknown, text: string): string {
  return typeof json === 'object' && json && 'error' in json && typeof json.error === 'string' ? json.error : text.slice(0, 200);
}

export function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** What went wrong on the network, as one phrase: a system error's code, on the error (ws) or in its `cause` (fetch). */
export function networkProblem(error: unknown): string {
  const { code, name, cause } = (error ?? {}) as { code?: unknown; name?: string; cause?: { code?: string; message?: string } };
  if (typeof code === 'string') return code;
  if (cause?.code) return cause.code;
  if (name === 'TimeoutError') return 'no answer in time';
  return cause?.message ?? errorMessage(error);
}
