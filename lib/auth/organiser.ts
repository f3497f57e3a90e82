/**
 * Who may act as the organiser: a request with the cookie of a session that has not signed out
 * (./revocations.ts), or with `Authorization: Bearer <ORGANISER_SECRET>`. Every secret presented (at
 * sign-in or as a bearer) is throttled per client address (./throttle.ts): wrong ones slow their
 * sender down, and a throttled address's secrets are not even compared until its wait is over. Other
 * addresses are unaffected.
 */
import type { SessionRevocations } from './revocations';
import { secretMatches } from './secret';
import { SESSION_COOKIE, type SessionClaims, signSession, verifySession } from './session';
import { SecretThrottle, type ThrottleOptions } from './throttle';

export type GateResult = { ok: true } | { ok: false; status: 401 | 429 | 503; message: string; retryAfterSeconds?: number };

export interface OrganiserCredentials {
  authorization: string | null;
  cookieHeader: string | null;
  /** The client's address (as the web server saw it), for throttling. */
  clientAddress: string;
}

/** Reads one cookie from a Cookie header. */
export function cookieValue(cookieHeader: string | null, name: string): string | null {
  for (const part of (cookieHeader ?? '').split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return null;
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerOf(authorization: string | null): string | null {
  const match = /^Bearer\s+(.+)$/i.exec(authorization?.trim() ?? '');
  return match?.[1]?.trim() ?? null;
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

export class OrganiserGate {
  private readonly throttle: SecretThrottle;

  constructor(
    private readonly secret: string | undefined,
    private readonly revocations: SessionRevocations,
    throttle: Partial<ThrottleOptions> = {},
  ) {
    this.throttle = new SecretThrottle(throttle);
  }

  get configured(): boolean {
    return Boolean(this.secret);
  }

  private notConfigured(): GateResult {
    return {
      ok: false,
      status: 503,
      message: 'ORGANISER_SECRET is not set on the server, so organiser actions are disabled; start the workshop with npm start, which sets one',
    };
  }

  private checkSecret(presented: string, clientAddress: string): GateResult {
    const decision = this.throttle.check(clientAddress);
    if (!decision.allowed) {
      const wait = seconds(decision.retryAfterMs);
      return { ok: false, status: 429, message: `too many wrong secrets from your address; try again in ${wait} s`, retryAfterSeconds: wait };
    }
    if (secretMatches(presented, this.secret!)) {
      this.throttle.recordSuccess(clientAddress);
      return { ok: true };
    }
    const delay = this.throttle.recordFailure(clientAddress);
    return {
      ok: false,
      status: 401,
      message: delay > 0 ? `wrong organiser secret; the next try is possible in ${seconds(delay)} s` : 'wrong organiser secret',
    };
  }

  /** The session a cookie names, when validly signed, unexpired and not signed out. */
  private async liveSession(token: string | null | undefined): Promise<{ session: SessionClaims | null; signedOut: boolean }> {
    const session = verifySession(token, this.secret!);
    if (!session) return { session: null, signedOut: false };
    if (await this.revocations.isRevoked(session)) return { session: null, signedOut: true };
    return { session, signedOut: false };
  }

  /** Whether a request carries the cookie of a live session or the bearer secret. */
  async authorize(credentials: OrganiserCredentials): Promise<GateResult> {
    if (!this.secret) return this.notConfigured();
    const { session, signedOut } = await this.liveSession(cookieValue(credentials.cookieHeader, SESSION_COOKIE));
    if (session) return { ok: true };
    const bearer = bearerOf(credentials.authorization);
    if (bearer !== null) return this.checkSecret(bearer, credentials.clientAddress);
    const why = signedOut ? 'this session signed out; sign in again at /admin' : 'sign in at /admin or send Authorization: Bearer <ORGANISER_SECRET>';
    return { ok: false, status: 401, message: `organiser sign-in required: ${why}` };
  }

  /** Whether a session cookie value belongs to a live session (for pages, which have no bearer). */
  async hasSession(token: string | null | undefined): Promise<boolean> {
    return Boolean(this.secret) && (await this.liveSession(token)).session !== null;
  }

  /** Signs out the session a cookie names: it is refused from now on, by every instance of the web app. */
  async signOut(cookieHeader: string | null): Promise<void> {
    if (!this.secret) return;
    const session = verifySession(cookieValue(cookieHeader, SESSION_COOKIE), this.secret);
    if (session) await this.revocations.revoke(session);
  }

  /** Checks a secret typed at sign-in; on success returns a new session token. */
  signIn(presented: string, clientAddress: string): GateResult & { token?: string } {
    if (!this.secret) return this.notConfigured();
    const result = this.checkSecret(presented, clientAddress);
    return result.ok ? { ok: true, token: signSession(this.secret) } : result;
  }
}
