/**
 * The event's round-seed secret (`SECRET`/`round-seeds`): 32 random bytes made once per organiser
 * store, from which every scheduled round's seed is derived (HMAC-SHA256 of slug and round number,
 * generator/random.ts), so nobody who knows only the public slug and round number can compute a
 * round's messages or totals before they are sent. The first process to need it creates it with a
 * conditional put; a process that loses that race reads the winner's, so all agree. It is never part
 * of a view, an export or a log: only the scheduler reads it.
 */
import { randomBytes } from 'node:crypto';
import { conditionHeld, itemAbsent, type StoreTable } from './table';

const ROUND_SEED_SECRET_KEY = { pk: 'SECRET', sk: 'round-seeds' };
const SECRET_BYTES = 32;

export class EventSecretRecords {
  private roundSeeds?: Promise<Buffer>;

  constructor(private readonly table: StoreTable) {}

  /** The secret round seeds derive from, created on first use; kept in memory once read. */
  roundSeedSecret(): Promise<Buffer> {
    this.roundSeeds ??= this.readOrCreate().catch((error: unknown) => {
      this.roundSeeds = undefined;
      throw error;
    });
    return this.roundSeeds;
  }

  private async read(): Promise<Buffer | null> {
    const stored = await this.table.get<{ secret: string }>(ROUND_SEED_SECRET_KEY);
    return stored ? Buffer.from(stored.secret, 'base64') : null;
  }

  private async readOrCreate(): Promise<Buffer> {
    const existing = await this.read();
    if (existing) return existing;
    const fresh = randomBytes(SECRET_BYTES);
    if (await conditionHeld(this.table.put(ROUND_SEED_SECRET_KEY, { secret: fresh.toString('base64'), createdAt: new Date().toISOString() }, itemAbsent))) {
      return fresh;
    }
    const winner = await this.read();
    if (!winner) throw new Error('the round-seed secret was created by another process but cannot be read back');
    return winner;
  }
}
