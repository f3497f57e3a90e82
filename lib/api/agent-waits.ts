/**
 * Agents' long polls (`GET /api/agent/rounds/next`), answered from one shared look every 3 s at the
 * rounds running now (the organiser store's RUNNING markers: one query, whatever the number of
 * agents waiting), and a read of a round's record only for a team whose agent waits. A round that
 * can never be offered again (reported sent, or closed) is not read again. While a request is
 * held, its agent counts as seen (marked at every look; `markSeen` decides what is written).
 */
import { errorMessage } from '../errors';
import type { OrganiserStore } from '../store/organiser-store';
import type { Round } from '../store/types';
import { isOpenForAgent } from './agent-api';

/** One store query per look whatever the number of agents waiting; a fresh offer may wait this long (its agent has 15 s to start it). */
export const WAIT_CHECK_MS = 3000;
const FINISHED_KEPT = 10_000;

interface Waiter {
  team: string;
  after: number;
  resolve: (round: Round | null) => void;
}

export class RoundWaits {
  private readonly waiters = new Set<Waiter>();
  /** `team#number` of rounds that will never be offered again. */
  private readonly finished = new Set<string>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: OrganiserStore,
    private readonly markSeen: (team: string) => Promise<void>,
    private readonly now: () => number = Date.now,
  ) {}

  /** How many long polls the team has held here now. */
  heldFor(team: string): number {
    let held = 0;
    for (const waiter of this.waiters) if (waiter.team === team) held++;
    return held;
  }

  /** Resolves with the team's open round once there is one, or null after `ms` (or when `signal` aborts). */
  wait(team: string, after: number, ms: number, signal?: AbortSignal): Promise<Round | null> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        team,
        after,
        resolve: (round) => {
          clearTimeout(timeout);
          signal?.removeEventListener('abort', abandon);
          this.waiters.delete(waiter);
          resolve(round);
        },
      };
      const abandon = () => waiter.resolve(null);
      const timeout = setTimeout(abandon, ms);
      signal?.addEventListener('abort', abandon, { once: true });
      this.waiters.add(waiter);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.timer || this.waiters.size === 0) return;
    this.timer = setTimeout(() => {
      this.check().finally(() => {
        this.timer = null;
        this.schedule();
      });
    }, WAIT_CHECK_MS);
  }

  private async check(): Promise<void> {
    const waiting = new Set([...this.waiters].map((waiter) => waiter.team));
    try {
      const newest = new Map<string, number>();
      for (const marker of await this.store.listRunningRounds()) {
        if (waiting.has(marker.team) && !this.finished.has(`${marker.team}#${marker.number}`)) {
          newest.set(marker.team, Math.max(newest.get(marker.team) ?? 0, marker.number));
        }
      }
      await Promise.all([...newest].map(([team, number]) => this.offer(team, number)));
    } catch (error) {
      console.error(`agents' long polls: the running rounds could not be read (tried again in 3 s): ${errorMessage(error)}`);
    }
    for (const team of waiting) this.markSeen(team).catch(() => {});
  }

  private async offer(team: string, number: number): Promise<void> {
    const round = await this.store.getRound(team, number);
    if (!round) return;
    if (round.status !== 'running' || round.agentSent || !round.offer) {
      if (this.finished.size >= FINISHED_KEPT) this.finished.clear();
      this.finished.add(`${team}#${number}`);
      return;
    }
    const nowIso = new Date(this.now()).toISOString();
    for (const waiter of this.waiters) if (waiter.team === team && isOpenForAgent(round, waiter.after, nowIso)) waiter.resolve(round);
  }
}
