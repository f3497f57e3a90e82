/**
 * Who may act as the organiser: a request with a valid session cookie, or with
 * `Authorization: Bearer <ORGANISER_SECRET>`. Wrong secrets (at sign-in or as a bearer) count
 * against a per-client and an overall limit; once over it, secrets are not even compared.
 */
import { AttemptLimiter } from './rate-limiter';
import { secretMatches } from './secret';
import { SESSION_COOKIE, signSession, verifySession } from './session';

export type GateResult = { ok: true } | { ok: false; status: 401 | 429 | 503; message: string; retryAfterSeconds?: number };

export interface OrganiserCredentials {
  authorization: string | null;
  cookieHeader: string | null;
  /** Identifies the client for rate limiting (its address). */
  clientKey: string;
}

export interface GateLimits {
  perClient: { maxFailures: number; windowMs: number };
  overall: { maxFailures: number; windowMs: number };
}

export const DEFAULT_GATE_LIMITS: GateLimits = {
  perClient: { maxFailures: 10, windowMs: 5 * 60_000 },
  overall: { maxFailures: 100, windowMs: 5 * 60_000 },
};

const OVERALL = '*';

/** Reads one cookie from a Cookie header. */
export function cookieValue(cookieHeader: string | null, name: string): string | null {
  for (const part of (cookieHeader ?? '').split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return null;
}

function bearerOf(authorization: string | null): string | null {
  const match = /^Bearer\s+(.+)$/i.exec(authorization?.trim() ?? '');
  return match?.[1]?.trim() ?? null;
}

export class OrganiserGate {
  private readonly perClient: AttemptLimiter;
  private readonly overall: AttemptLimiter;

  constructor(
    private readonly secret: string | undefined,
    limits: GateLimits = DEFAULT_GATE_LIMITS,
    now: () => number = Date.now,
  ) {
    this.perClient = new AttemptLimiter({ ...limits.perClient, now });
    this.overall = new AttemptLimiter({ ...limits.overall, now });
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

  private limited(clientKey: string): GateResult | null {
    const decision = [this.perClient.check(clientKey), this.overall.check(OVERALL)].find((result) => !result.allowed);
    if (!decision) return null;
    return { ok: false, status: 429, message: 'too many wrong secrets; wait before trying again', retryAfterSeconds: Math.ceil(decision.retryAfterMs / 1000) };
  }

  private checkSecret(presented: string, clientKey: string): GateResult {
    const limited = this.limited(clientKey);
    if (limited) return limited;
    if (secretMatches(presented, this.secret!)) {
      this.perClient.clear(clientKey);
      return { ok: true };
    }
    this.perClient.recordFailure(clientKey);
    this.overall.recordFailure(OVERALL);
    return { ok: false, status: 401, message: 'wrong organiser secret' };
  }

  /** Whether a request carries a valid session cookie or bearer secret. */
  authorize(credentials: OrganiserCredentials): GateResult {
    if (!this.secret) return this.notConfigured();
    if (verifySession(cookieValue(credentials.cookieHeader, SESSION_COOKIE), this.secret)) return { ok: true };
    const bearer = bearerOf(credentials.authorization);
    if (bearer !== null) return this.checkSecret(bearer, credentials.clientKey);
    return { ok: false, status: 401, message: 'organiser sign-in required: sign in at /admin or send Authorization: Bearer <ORGANISER_SECRET>' };
  }

  /** Whether a session cookie value is valid (for pages, which have no bearer). */
  hasSession(token: string | null | undefined): boolean {
    return Boolean(this.secret) && verifySession(token, this.secret!);
  }

  /** Checks a secret typed at sign-in; on success returns a new session token. */
  signIn(presented: string, clientKey: string): GateResult & { token?: string } {
    if (!this.secret) return this.notConfigured();
    const result = this.checkSecret(presented, clientKey);
    return result.ok ? { ok: true, token: signSession(this.secret) } : result;
  }
}
