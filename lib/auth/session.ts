/**
 * The organiser's session token: `v1.<expiry ms>.<HMAC-SHA256 signature>`, signed with a key derived
 * from ORGANISER_SECRET, so changing the secret signs everybody out. Verified in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'organiser_session';
export const SESSION_LIFETIME_MS = 12 * 60 * 60 * 1000;
const VERSION = 'v1';

function signingKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('organiser-session').digest();
}

function signatureOf(payload: string, secret: string): Buffer {
  return createHmac('sha256', signingKey(secret)).update(payload).digest();
}

/** A token valid until `now + lifetimeMs`. */
export function signSession(secret: string, now = Date.now(), lifetimeMs = SESSION_LIFETIME_MS): string {
  const payload = `${VERSION}.${now + lifetimeMs}`;
  return `${payload}.${signatureOf(payload, secret).toString('base64url')}`;
}

/** Whether a token was signed with this secret and has not expired. */
export function verifySession(token: string | undefined | null, secret: string, now = Date.now()): boolean {
  if (!token) return false;
  const [version, expiry, signature, ...rest] = token.split('.');
  if (rest.length > 0 || version !== VERSION || expiry === undefined || signature === undefined || !/^\d{1,16}$/.test(expiry)) return false;
  const payload = `${version}.${expiry}`;
  const presented = Buffer.from(signature, 'base64url');
  const expected = signatureOf(payload, secret);
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return false;
  return Number(expiry) > now;
}
