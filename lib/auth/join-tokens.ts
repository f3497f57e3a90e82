/**
 * Join tokens of remote teams (docs/room.md): `wsj_` and 43 base64url characters, one per team,
 * granting only that team's agent calls. A token is an HMAC of the organiser secret over the team and
 * a random nonce: the organiser store keeps only the nonce and the token's SHA-256 (requests are
 * matched by it), so a copy of the store yields no token, while the console, which has the secret,
 * can show the join command again. Wrong tokens are throttled per client address like wrong
 * organiser secrets (./throttle.ts), counted apart from them; while an address is throttled, a token
 * this process already knows to be valid still works (teams behind one NAT address are not locked
 * out by a neighbour) and any other gets 429 without being looked up. A valid token is remembered
 * for 30 s (a lookup in the organiser store per token and 30 s, not per request), so a revoked one
 * stops working at once on the web app that revoked it and within 30 s on every other instance.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { bearerOf } from './organiser';
import { SecretThrottle, type ThrottleOptions } from './throttle';

export const JOIN_TOKEN_PREFIX = 'wsj_';
export const JOIN_TOKEN_PATTERN = /^wsj_[A-Za-z0-9_-]{43}$/;
/** How long a token found valid is believed without asking the store again. */
export const TOKEN_CACHE_MS = 30_000;
const KNOWN_VALID_MAX = 10_000;

/** A fresh nonce for a team's next token. */
export function newTokenNonce(): string {
  return randomBytes(16).toString('base64url');
}

/** The token of a team made from the organiser secret and a nonce (32 bytes, base64url). */
export function joinToken(secret: string, team: string, nonce: string): string {
  return `${JOIN_TOKEN_PREFIX}${createHmac('sha256', secret).update(`join-token\n${team}\n${nonce}`, 'utf8').digest('base64url')}`;
}

/** The SHA-256 (hex) a token is stored and matched by. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export type AgentAuthResult = { ok: true; team: string } | { ok: false; status: 401 | 429; message: string; retryAfterSeconds?: number };

const REFUSED =
  'the join token was refused (never issued, regenerated or revoked by the organiser, or its team was removed): ask the organiser for your team’s current join command';

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

export class AgentGate {
  private readonly throttle: SecretThrottle;
  /** Token hash → team and until when it is believed. */
  private readonly cache = new Map<string, { team: string; until: number }>();
  /** Hashes this process found valid (least recently used forgotten first), for throttled addresses. */
  private readonly knownValid = new Set<string>();

  constructor(
    private readonly lookup: (hash: string) => Promise<string | null>,
    throttle: Partial<ThrottleOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.throttle = new SecretThrottle(throttle);
  }

  /** The team whose agent sent this Authorization header, or why not. */
  async authorize(authorization: string | null, clientAddress: string): Promise<AgentAuthResult> {
    const token = bearerOf(authorization);
    if (token === null)
      return {
        ok: false,
        status: 401,
        message: 'no join token: send Authorization: Bearer <join token> (the organiser’s console shows your team’s join command)',
      };
    const hash = tokenHash(token);
    const decision = this.throttle.check(clientAddress);
    if (!decision.allowed && !this.knownValid.has(hash)) {
      const wait = seconds(decision.retryAfterMs);
      return { ok: false, status: 429, message: `too many wrong join tokens from your address; try again in ${wait} s`, retryAfterSeconds: wait };
    }
    const team = JOIN_TOKEN_PATTERN.test(token) ? await this.teamOf(hash) : null;
    if (team === null) {
      this.knownValid.delete(hash);
      const delay = this.throttle.recordFailure(clientAddress);
      return { ok: false, status: 401, message: delay > 0 ? `${REFUSED} (the next try is possible in ${seconds(delay)} s)` : REFUSED };
    }
    this.knownValid.delete(hash);
    this.knownValid.add(hash);
    for (const oldest of this.knownValid) {
      if (this.knownValid.size <= KNOWN_VALID_MAX) break;
      this.knownValid.delete(oldest);
    }
    return { ok: true, team };
  }

  /** Forgets a token at once (regenerated or revoked on this instance). */
  forget(hash: string): void {
    this.cache.delete(hash);
    this.knownValid.delete(hash);
  }

  private async teamOf(hash: string): Promise<string | null> {
    const cached = this.cache.get(hash);
    if (cached && cached.until > this.now()) return cached.team;
    this.cache.delete(hash);
    const team = await this.lookup(hash);
    if (team !== null) {
      this.cache.set(hash, { team, until: this.now() + TOKEN_CACHE_MS });
      if (this.cache.size > KNOWN_VALID_MAX) for (const [key, entry] of this.cache) if (entry.until <= this.now()) this.cache.delete(key);
    }
    return team;
  }
}
