/**
 * Organiser commands (`SETTINGS`/`SETTINGS#COMMAND#<id>`, sorted by when they were asked for): the
 * web app enqueues them, the scheduler takes them; a conditional delete hands each one to exactly
 * one taker. They sort right after the settings record (`SETTINGS`/`SETTINGS`), so the scheduler's
 * tick reads both in one query (settings.ts `withCommands`). Until 3 December 2026 they had a
 * partition of their own (`COMMAND`): a command pending there across the upgrade is not run.
 */
import { randomUUID } from 'node:crypto';
import { conditionHeld, itemExists, type StoreTable } from './table';
import type { Command } from './types';

export const COMMAND_PK = 'SETTINGS';
export const COMMAND_SK_PREFIX = 'SETTINGS#COMMAND#';
const commandKey = (id: string) => ({ pk: COMMAND_PK, sk: `${COMMAND_SK_PREFIX}${id}` });

export class CommandRecords {
  constructor(private readonly table: StoreTable) {}

  async enqueue(command: Omit<Command, 'id' | 'requestedAt'>): Promise<Command> {
    const requestedAt = new Date().toISOString();
    const full: Command = { ...command, id: `${requestedAt}#${randomUUID()}`, requestedAt };
    await this.table.put(commandKey(full.id), full);
    return full;
  }

  /** Takes pending commands (`pending` when the caller read them), oldest first; each is returned to exactly one caller. */
  async take(pending?: readonly Command[]): Promise<Command[]> {
    const taken: Command[] = [];
    for (const command of pending ?? (await this.table.query<Command>(COMMAND_PK, { skBeginsWith: COMMAND_SK_PREFIX, consistent: true }))) {
      if (await conditionHeld(this.table.delete(commandKey(command.id), itemExists))) taken.push(command);
    }
    return taken;
  }
}
