/**
 * Organiser sessions that signed out, in the organiser store (partition `SESSION`, one item per
 * session id): written at sign-out, read by every web app instance so a kept or copied cookie of a
 * signed-out session is refused everywhere and after restarts. `expiresAt` (epoch seconds, usable
 * as a DynamoDB TTL attribute) says when the record is no longer needed: the session has expired.
 */
import type { OrganiserStore } from './organiser-store';

const sessionKey = (id: string) => ({ pk: 'SESSION', sk: id });

export class SessionRecords {
  constructor(private readonly store: OrganiserStore) {}

  async revokeSession(id: string, expiresAt: number): Promise<void> {
    await this.store.table.put(sessionKey(id), { revokedAt: new Date().toISOString(), expiresAt: Math.ceil(expiresAt / 1000) });
  }

  async isSessionRevoked(id: string): Promise<boolean> {
    return (await this.store.table.get(sessionKey(id))) !== null;
  }
}
