/**
 * Entity tags for the shared snapshots: a view serialised once with a strong ETag from the exact
 * bytes served, and the `If-None-Match` check that lets a polling viewer get a 304 without a body.
 */
import { createHash } from 'node:crypto';

/** A strong ETag of a response body. */
export function etagOf(body: string): string {
  return `"${createHash('sha1').update(body).digest('base64url')}"`;
}

/** Whether an `If-None-Match` header names this ETag (weak comparison, as RFC 9110 asks for GET). */
export function matchesIfNoneMatch(header: string | null, etag: string): boolean {
  if (!header) return false;
  const wanted = etag.replace(/^W\//, '');
  return header
    .split(',')
    .map((tag) => tag.trim())
    .some((tag) => tag === '*' || tag.replace(/^W\//, '') === wanted);
}

/** A serialised view with its ETag. */
export interface ServedJson {
  body: string;
  etag: string;
}

/** Serialises a view once, with its ETag. */
export function serve(view: unknown): ServedJson {
  const body = JSON.stringify(view);
  return { body, etag: etagOf(body) };
}
