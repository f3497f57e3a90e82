/**
 * How large a request body each route accepts, enforced by the web server (lib/web/server.ts) before
 * any of it is read: 16 KB, unless a route is listed in LARGER_BODIES with the size it needs and why
 * (docs/api.md names them). A route that takes uploads — a bulk import, an agent's table values or
 * forwarded logs — adds its line there.
 */

export const DEFAULT_BODY_LIMIT = 16 * 1024;

export interface BodyLimit {
  method: string;
  /** Matched against the request's path. */
  path: RegExp;
  bytes: number;
  /** Why this route needs more than the default. */
  why: string;
}

/** Routes that need more than DEFAULT_BODY_LIMIT (none yet). */
export const LARGER_BODIES: readonly BodyLimit[] = [];

/** The most a request to this route may send. */
export function bodyLimitFor(method: string, pathname: string, larger: readonly BodyLimit[] = LARGER_BODIES): number {
  return larger.find((route) => route.method === method && route.path.test(pathname))?.bytes ?? DEFAULT_BODY_LIMIT;
}

/** A limit in words, e.g. `16 KB` or `1 MB`. */
export function describeBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KB`;
  return `${bytes} bytes`;
}
