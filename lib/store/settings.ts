/**
 * The event's settings (`SETTINGS`/`SETTINGS`: round interval, messages, deadline, pause, freeze,
 * announcement, next round), the standings frozen for the public (`SETTINGS`/`FROZEN`), and the
 * marker that the default teams were created once (`SETTINGS`/`SEEDED`); the organiser's commands
 * sort right after the settings record (./commands.ts), read with them in one query.
 */

import { COMMAND_SK_PREFIX } from './commands';
import { conditionHeld, type ItemKey, itemAbsent, type StoreTable } from './table';
import type { Command, Settings } from './types';

const SETTINGS_KEY = { pk: 'SETTINGS', sk: 'SETTINGS' };
const FROZEN_KEY = { pk: 'SETTINGS', sk: 'FROZEN' };
const SEEDED_KEY = { pk: 'SETTINGS', sk: 'SEEDED' };

/** Round settings taken from the environment until the organiser changes them. */
export interface SettingsDefaults {
  roundIntervalSeconds: number;
  roundMessages: number;
  roundDeadlineSeconds: number;
}

export class SettingsRecords {
  constructor(
    private readonly table: StoreTable,
    private readonly defaults: SettingsDefaults,
  ) {}

  async get(): Promise<Settings> {
    return this.withDefaults((await this.table.get<Partial<Settings>>(SETTINGS_KEY)) ?? {});
  }

  /** The settings and the pending organiser commands (./commands.ts), in one query: the scheduler's tick. */
  async withCommands(): Promise<{ settings: Settings; commands: Command[] }> {
    const records = await this.table.query<ItemKey & Record<string, unknown>>(SETTINGS_KEY.pk, {
      skBeginsWith: SETTINGS_KEY.sk,
      consistent: true,
      withKeys: true,
    });
    let stored: Partial<Settings> = {};
    const commands: Command[] = [];
    for (const { pk: _pk, sk, ...record } of records) {
      if (sk === SETTINGS_KEY.sk) stored = record as Partial<Settings>;
      else if (sk.startsWith(COMMAND_SK_PREFIX)) commands.push(record as unknown as Command);
    }
    return { settings: this.withDefaults(stored), commands };
  }

  private withDefaults(stored: Partial<Settings>): Settings {
    return { ...this.defaults, paused: false, frozen: false, frozenAt: null, announcement: null, nextRoundAt: null, ...stored };
  }

  async update(changes: Partial<Settings>): Promise<Settings> {
    const stored = await this.table.update<Partial<Settings>>(SETTINGS_KEY, { set: changes });
    return { ...(await this.get()), ...stored };
  }

  async saveFrozenSnapshot(snapshot: string | null): Promise<void> {
    if (snapshot === null) await this.table.delete(FROZEN_KEY);
    else await this.table.put(FROZEN_KEY, { snapshot });
  }

  async frozenSnapshot(): Promise<string | null> {
    return (await this.table.get<{ snapshot?: string }>(FROZEN_KEY))?.snapshot ?? null;
  }

  /** True exactly once per store: whether the default teams should be created now. */
  async claimFirstStart(): Promise<boolean> {
    return conditionHeld(this.table.put(SEEDED_KEY, { at: new Date().toISOString() }, itemAbsent));
  }
}
