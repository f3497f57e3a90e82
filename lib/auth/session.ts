/**
 * The organiser's session token: `v2.<session id>.<expiry ms>.<HMAC-SHA256 signature>`, signed with
 * a key derived from ORGANISER_SECRET, so changing the secret signs everybody out. Verified in
 * constant time. The id lets a sign-out be recorded (./revocations.ts): the web app keeps no state
 * of its own, so a signed-out token stays refused by every instance and after restarts.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'organiser_session';
export const SESSION_LIFETIME_MS = 12 * 60 * 60 * 1000;
const VERSION = 'v2';

/** What a valid token says. */
export interface SessionClaims {
  id: string;
  /** Ms since the epoch. */
  expiresAt: number;
}

function signingKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('organiser-session').digest();
}

function signatureOf(payload: string, secret: string): Buffer {
  return createHmac('sha256', signingKey(secret)).update(payload).digest();
}

/** A token for a new session, valid until `now + lifetimeMs`. */
export function signSession(secret: string, now = Date.now(), lifetimeMs = SESSION_LIFETIME_MS): string {
  const payload = `${VERSION}.${randomBytes(16).toString('base64url')}.${now + lifetimeMs}`;
  return `${payload}.${signatureOf(payload, secret).toString('base64url')}`;
}

/** The session a token names, when it was signed with this secret and has not expired; else null. */
export function verifySession(token: string | undefined | null, secret: string, now = Date.now()): SessionClaims | null {
  if (!token) return null;
  const [version, id, expiry, signature, ...rest] = token.split('.');
  if (rest.length > 0 || version !== VERSION || id === undefined || expiry === undefined || signature === undefined) return null;
  if (!/^[\w-]{22}$/.test(id) || !/^\d{1,16}$/.test(expiry)) return null;
  const presented = Buffer.from(signature, 'base64url');
  const expected = signatureOf(`${version}.${id}.${expiry}`, secret);
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return null;
  return Number(expiry) > now ? { id, expiresAt: Number(expiry) } : null;
}
