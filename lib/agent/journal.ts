/**
 * The agent's round journal (`<WORKSHOP_DATA_DIR>/agent/rounds.json`, docs/room.md "At most once"):
 * before a round's start call the agent records its `startId` (`starting`), before the first record
 * goes out `sending`, after the burst `sent` with what happened. Each change is written to a new
 * file, synced to disk and renamed over the old one, so a crash leaves either the old or the new
 * journal. The journal belongs to one organiser and team: another one starts a fresh journal.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** Rounds kept: a restart only ever needs the latest few. */
const KEPT_ROUNDS = 50;

const entrySchema = z.object({
  round: z.number().int().positive(),
  startId: z.string(),
  state: z.enum(['starting', 'sending', 'sent']),
  acknowledged: z.number().int().nonnegative().optional(),
  durationMs: z.number().nonnegative().optional(),
  error: z.string().optional(),
  at: z.string(),
});
export type JournalEntry = z.infer<typeof entrySchema>;

const fileSchema = z.object({ scope: z.string(), rounds: z.array(entrySchema) });

export class RoundJournal {
  private rounds: JournalEntry[];

  private constructor(
    readonly file: string,
    private readonly scope: string,
    rounds: JournalEntry[],
  ) {
    this.rounds = rounds;
  }

  /**
   * Opens the journal in `directory` for `scope` (the organiser's URL and the team); a journal of
   * another scope, or one that cannot be read, is set aside as `rounds.json.<time>.old`.
   */
  static open(directory: string, scope: string): { journal: RoundJournal; problem?: string } {
    mkdirSync(directory, { recursive: true });
    const file = path.join(directory, 'rounds.json');
    let text: string | undefined;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return { journal: new RoundJournal(file, scope, []) };
    }
    let problem: string | undefined;
    try {
      const parsed = fileSchema.parse(JSON.parse(text));
      if (parsed.scope === scope) return { journal: new RoundJournal(file, scope, parsed.rounds) };
      problem = `the round journal ${file} belongs to ${parsed.scope}: set aside, a new one started`;
    } catch (error) {
      problem = `the round journal ${file} could not be read (${error instanceof Error ? error.message.split('\n')[0] : String(error)}): set aside, a new one started`;
    }
    renameSync(file, `${file}.${Date.now()}.old`);
    return { journal: new RoundJournal(file, scope, []), problem };
  }

  get(round: number): JournalEntry | undefined {
    return this.rounds.find((entry) => entry.round === round);
  }

  /** Records a round's state durably (on disk before it returns). */
  record(entry: Omit<JournalEntry, 'at'>): JournalEntry {
    const full = { ...entry, at: new Date().toISOString() };
    this.rounds = [...this.rounds.filter((existing) => existing.round !== entry.round), full].sort((a, b) => a.round - b.round).slice(-KEPT_ROUNDS);
    const temporary = `${this.file}.${process.pid}.tmp`;
    const descriptor = openSync(temporary, 'w');
    try {
      writeSync(descriptor, JSON.stringify({ scope: this.scope, rounds: this.rounds }, null, 1));
      fsyncSync(descriptor);
    } finally {
      closeSync(descriptor);
    }
    renameSync(temporary, this.file);
    return full;
  }
}
