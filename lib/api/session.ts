/**
 * Signing the organiser in and out over HTTP: the secret checked by the organiser gate (401, or 429
 * with Retry-After), the session cookie (httpOnly, SameSite=Strict, Secure over HTTPS), and signing
 * out, which the gate records so a copied cookie stops working too.
 */
import { SESSION_COOKIE, SESSION_LIFETIME_MS } from '../auth/session';
import { clientAddressOf, isHttps } from './client';
import type { AppContext } from './context';
import { HttpError, json } from './http';
import type { SignIn } from './schemas';

export function sessionCookie(request: Request, token: string): string {
  const secure = isHttps(request) ? '; Secure' : '';
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(SESSION_LIFETIME_MS / 1000)}${secure}`;
}

export function clearedSessionCookie(request: Request): string {
  const secure = isHttps(request) ? '; Secure' : '';
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure}`;
}

/** Checks the secret typed at sign-in; on success answers with the session cookie. */
export function signIn(request: Request, { gate }: AppContext, { secret }: SignIn): Response {
  const result = gate.signIn(secret, clientAddressOf(request));
  if (!result.ok) throw new HttpError(result.status, result.message, result.retryAfterSeconds ? { 'retry-after': String(result.retryAfterSeconds) } : {});
  return json({ organiser: true }, 200, { 'set-cookie': sessionCookie(request, result.token!) });
}

/** Signs the session out for good (its cookie is refused from now on, even if kept) and clears the cookie. */
export async function signOut(request: Request, { gate }: AppContext): Promise<Response> {
  await gate.signOut(request.headers.get('cookie'));
  return json({ organiser: false }, 200, { 'set-cookie': clearedSessionCookie(request) });
}
