/**
 * Remote teams' join tokens as the organiser handles them (docs/room.md): issued when the team is
 * added, regenerated or revoked from the console or the API, revoked when the team is removed, and
 * shown (with the join command) only to the organiser. The old token stops working at once on this
 * web app (the agent gate forgets it) and within 5 s on any other.
 */
import { type AgentGate, joinToken, newTokenNonce, tokenHash } from '../auth/join-tokens';
import type { AgentRecords, TokenRecord } from '../store/agent-records';
import { HttpError } from './http';

/** The command a participant runs to join with a token. */
export function joinCommand(organiserUrl: string, token: string): string {
  return `npm install && npm start -- --join ${organiserUrl} --token ${token}`;
}

export class TeamTokens {
  constructor(
    private readonly records: AgentRecords,
    private readonly gate: AgentGate,
    private readonly secret: string | undefined,
  ) {}

  private requireSecret(): string {
    if (!this.secret) throw new HttpError(503, 'ORGANISER_SECRET is not set on the server, so no join token can be made');
    return this.secret;
  }

  /** A new token for a remote team (its old one, if any, stops working); null when the team is not remote. */
  async issue(team: string): Promise<string | null> {
    const secret = this.requireSecret();
    const old = await this.records.tokenOf(team);
    const nonce = newTokenNonce();
    const token = joinToken(secret, team, nonce);
    const record: TokenRecord = { team, hash: tokenHash(token), nonce, createdAt: new Date().toISOString() };
    if (!(await this.records.replaceToken(record))) return null;
    if (old) this.gate.forget(old.hash);
    return token;
  }

  /** Revokes a team's token without a new one; false when it had none. */
  async revoke(team: string): Promise<boolean> {
    const old = await this.records.revokeToken(team);
    if (old) this.gate.forget(old.hash);
    return old !== null;
  }

  /** Forgets everything kept for a removed team's agent (its token stops working). */
  async forgetTeam(team: string): Promise<void> {
    const old = await this.records.forgetTeam(team);
    if (old) this.gate.forget(old.hash);
  }

  /**
   * The team's current token, made again from the secret; null when it has none, or when it was made
   * under another organiser secret (the agent keeps working with it; regenerate to show a new one).
   */
  async current(team: string): Promise<{ token: string | null; createdAt: string } | null> {
    const record = await this.records.tokenOf(team);
    if (!record) return null;
    const token = this.secret ? joinToken(this.secret, team, record.nonce) : null;
    return { token: token && tokenHash(token) === record.hash ? token : null, createdAt: record.createdAt };
  }
}
