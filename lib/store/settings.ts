/**
 * The event's settings (`SETTINGS`/`SETTINGS`: round interval, messages, deadline, pause, freeze,
 * announcement, next round), the standings frozen for the public (`SETTINGS`/`FROZEN`), and the
 * marker that the default teams were created once (`SETTINGS`/`SEEDED`).
 */

import { conditionHeld, itemAbsent, type StoreTable } from './table';
import type { Settings } from './types';

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
    const stored = (await this.table.get<Partial<Settings>>(SETTINGS_KEY)) ?? {};
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
