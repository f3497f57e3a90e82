/**
 * Small HTTP helpers for the route handlers: JSON and CSV responses, snapshot responses with ETag
 * and 304, body parsing with zod, and one place that turns errors into a status and a sentence
 * (never a stack trace).
 */
import type { z } from 'zod';
import { errorMessage } from '../errors';
import type { ServedJson } from '../scoreboard/etag';
import { matchesIfNoneMatch } from '../scoreboard/etag';
import { describeIssues } from './schemas';

const HTTP_ERROR = Symbol.for('stream-aggregation-game.http-error');

/**
 * An error with the HTTP status and message the client should get. Recognised by a brand rather
 * than `instanceof`: Next.js may load this module once per route bundle, and the shared context
 * (made by whichever route came first) throws instances of another copy of the class.
 */
export class HttpError extends Error {
  readonly [HTTP_ERROR] = true;

  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** 404 for a slug that names no team. */
export function noTeam(slug: string): HttpError {
  return new HttpError(404, `no team with slug "${slug}"`);
}

/** 429 saying why, with the whole seconds the client should wait (Retry-After). */
export function tooManyRequests(message: string, retryAfterSeconds: number): HttpError {
  return new HttpError(429, message, { 'retry-after': String(retryAfterSeconds) });
}

export function isHttpError(error: unknown): error is HttpError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[HTTP_ERROR] === true;
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

/** A shared snapshot view: 304 when the client already has it, else the body with its ETag. */
export function served(request: Request, view: ServedJson, extraHeaders: Record<string, string> = {}): Response {
  const headers = { etag: view.etag, 'cache-control': 'no-cache', ...extraHeaders };
  if (matchesIfNoneMatch(request.headers.get('if-none-match'), view.etag)) return new Response(null, { status: 304, headers });
  return new Response(view.body, { status: 200, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });
}

export function csv(body: string, filename: string): Response {
  return new Response(body, {
    status: 200,
    headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${filename}"`, 'cache-control': 'no-store' },
  });
}

/** Checks a value (a parsed body) against a schema; 400 naming the field on failure. */
export function parseValue<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new HttpError(400, describeIssues(result.error));
  return result.data;
}

/** Parses a JSON body against a schema; 400 naming the field on failure. */
export async function parseBody<T extends z.ZodType>(request: Request, schema: T, emptyBody?: unknown): Promise<z.infer<T>> {
  const text = await request.text();
  let value: unknown = emptyBody;
  if (text.trim() !== '' || emptyBody === undefined) {
    try {
      value = JSON.parse(text);
    } catch {
      throw new HttpError(400, 'body: must be JSON (Content-Type: application/json)');
    }
  }
  return parseValue(schema, value);
}

/** Parses a request's query parameters against a schema; 400 naming the parameter on failure. */
export function parseQuery<T extends z.ZodType>(request: Request, schema: T): z.infer<T> {
  return parseValue(schema, Object.fromEntries(new URL(request.url).searchParams));
}

/** Parses a path parameter against a schema; 400 naming the parameter on failure. */
export function parseParam<T extends z.ZodType>(name: string, value: string, schema: T): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new HttpError(400, `${name}: ${result.error.issues[0]?.message ?? 'invalid'}`);
  return result.data;
}

/** Runs a handler, answering errors with their status and message (unexpected ones as 500, logged). */
export async function respond(handler: () => Promise<Response>): Promise<Response> {
  try {
    return await handler();
  } catch (error) {
    if (isHttpError(error)) return json({ error: error.message }, error.status, error.headers);
    console.error('request failed:', error);
    const reason = errorMessage(error);
    return json({ error: `the server could not do this: ${reason}` }, 500);
  }
}
