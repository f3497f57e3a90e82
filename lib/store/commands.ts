/**
 * Organiser commands (partition `COMMAND`, sorted by when they were asked for): the web app enqueues
 * them, the scheduler takes them; a conditional delete hands each one to exactly one taker.
 */
import { randomUUID } from 'node:crypto';
import { conditionHeld, itemExists, type StoreTable } from './table';
import type { Command } from './types';

const COMMAND_PK = 'COMMAND';
const commandKey = (id: string) => ({ pk: COMMAND_PK, sk: id });

export class CommandRecords {
  constructor(private readonly table: StoreTable) {}

  async enqueue(command: Omit<Command, 'id' | 'requestedAt'>): Promise<Command> {
    const requestedAt = new Date().toISOString();
    const full: Command = { ...command, id: `${requestedAt}#${randomUUID()}`, requestedAt };
    await this.table.put(commandKey(full.id), full);
    return full;
  }

  /** Takes pending commands, oldest first; each is returned to exactly one caller. */
  async take(): Promise<Command[]> {
    const taken: Command[] = [];
    for (const command of await this.table.query<Command>(COMMAND_PK)) {
      if (await conditionHeld(this.table.delete(commandKey(command.id), itemExists))) taken.push(command);
    }
    return taken;
  }
}
