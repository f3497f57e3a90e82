/**
 * Sessions that signed out. The record lives in the organiser store (shared by every web app
 * instance, kept across restarts); each organiser request checks it, through a short cache: a
 * sign-out here is refused here at once, and by other instances within `cacheMs`. A session found
 * signed out is remembered until it would have expired anyway. Only validly signed sessions are ever
 * looked up, so the cache holds the organiser's few sessions, not whatever clients send.
 */
import type { SessionClaims } from './session';

/** Where sign-outs are recorded (the organiser store). */
export interface RevocationRecords {
  revokeSession(id: string, expiresAt: number): Promise<void>;
  isSessionRevoked(id: string): Promise<boolean>;
}

export class SessionRevocations {
  private readonly revoked = new Map<string, number>();
  private readonly checked = new Map<string, number>();

  constructor(
    private readonly records: RevocationRecords,
    private readonly cacheMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a sign-out (here at once, everywhere through the store). */
  async revoke(session: SessionClaims): Promise<void> {
    await this.records.revokeSession(session.id, session.expiresAt);
    this.revoked.set(session.id, session.expiresAt);
    this.checked.delete(session.id);
  }

  /** Whether a (validly signed) session signed out. */
  async isRevoked(session: SessionClaims): Promise<boolean> {
    const now = this.now();
    this.forgetOld(now);
    if (this.revoked.has(session.id)) return true;
    const checkedAt = this.checked.get(session.id);
    if (checkedAt !== undefined && now - checkedAt < this.cacheMs) return false;
    if (await this.records.isSessionRevoked(session.id)) {
      this.revoked.set(session.id, session.expiresAt);
      this.checked.delete(session.id);
      return true;
    }
    this.checked.set(session.id, now);
    return false;
  }

  private forgetOld(now: number): void {
    for (const [id, expiresAt] of this.revoked) if (expiresAt <= now) this.revoked.delete(id);
    for (const [id, checkedAt] of this.checked) if (now - checkedAt >= this.cacheMs) this.checked.delete(id);
  }
}
