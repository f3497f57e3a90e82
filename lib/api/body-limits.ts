/**
 * How large a request body each route accepts, enforced by the web server (lib/web/server.ts) before
 * any of it is read: 16 KB, unless a route is listed in LARGER_BODIES with the size it needs and why
 * (docs/api.md names them), or is an agent call (AGENT_BODIES, docs/room.md). A route that takes
 * uploads, such as a bulk import, adds its line there.
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

/** Routes that need more than DEFAULT_BODY_LIMIT. */
export const LARGER_BODIES: readonly BodyLimit[] = [
  {
    method: 'POST',
    path: /^\/api\/admin\/teams\/import$/,
    bytes: 1024 * 1024,
    why: '`cdk deploy --outputs-file` JSON: about 1 KB per stack (50 teams ≈ 50 KB), up to the 500 stacks one import takes',
  },
];

/** The agent API's calls (docs/room.md), each capped at what it needs: smaller than the default, except forwarded logs. */
export const AGENT_BODIES: readonly BodyLimit[] = [
  { method: 'POST', path: /^\/api\/agent\/rounds\/[^/]+\/start$/, bytes: 8 * 1024, why: 'a round start: the baseline of 19 keys' },
  { method: 'POST', path: /^\/api\/agent\/rounds\/[^/]+\/sent$/, bytes: 4 * 1024, why: 'a sent report: counts or a 500-character error' },
  { method: 'PUT', path: /^\/api\/agent\/table$/, bytes: 8 * 1024, why: 'a table upload: 19 keys' },
  { method: 'POST', path: /^\/api\/agent\/logs$/, bytes: 1024 * 1024, why: 'forwarded function logs: 100 entries of up to 16 KB of text each' },
];

/** The most a request to this route may send. */
export function bodyLimitFor(method: string, pathname: string, routes: readonly BodyLimit[] = [...AGENT_BODIES, ...LARGER_BODIES]): number {
  return routes.find((route) => route.method === method && route.path.test(pathname))?.bytes ?? DEFAULT_BODY_LIMIT;
}

/** A limit in words, e.g. `16 KB` or `1 MB`. */
export function describeBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KB`;
  return `${bytes} bytes`;
}
