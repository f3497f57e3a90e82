/**
 * A team's rounds as the scoreboard keeps them between refreshes. Closed rounds never change, so
 * each refresh asks the store only for rounds after the last closed one (plus a short tail, in case
 * round numbers were written out of order). Per-key details are kept for the newest rounds only.
 */
import type { OrganiserStore } from '../store/organiser-store';
import type { Round } from '../store/types';
import { isClosed, summariseRound } from './views/rounds';
import type { RoundSummary } from './views/types';

/** Rounds re-read below the last closed one on every refresh. */
const RECHECK_TAIL = 2;
/** Newest rounds whose baseline, expected totals and per-key verdicts stay in memory. */
const DETAILED_ROUNDS = 3;

interface CachedRound {
  round: Round;
  summary: RoundSummary;
}

function withoutDetails(round: Round): Round {
  const { baseline: _baseline, expected: _expected, keys: _keys, ...rest } = round;
  return rest;
}

export class TeamRoundCache {
  private readonly rounds = new Map<number, CachedRound>();
  private closedThrough = 0;

  /** `createdAt` tells a re-created team (same slug) from the one cached. */
  constructor(readonly createdAt: string) {}

  /** Reads the rounds added or still running since the last refresh. */
  async refresh(store: OrganiserStore, slug: string): Promise<void> {
    const fresh = await store.listRounds(slug, { after: Math.max(0, this.closedThrough - RECHECK_TAIL) });
    for (const round of fresh) this.rounds.set(round.number, { round, summary: summariseRound(round) });
    this.closedThrough = 0;
    const numbers = [...this.rounds.keys()].sort((a, b) => a - b);
    for (const number of numbers) {
      if (!isClosed(this.rounds.get(number)!.round)) break;
      this.closedThrough = number;
    }
    this.dropOldDetails(numbers);
  }

  private dropOldDetails(ascending: number[]): void {
    const keep = new Set(ascending.slice(-DETAILED_ROUNDS));
    const newestWithBaseline = ascending.findLast((number) => this.rounds.get(number)!.round.baseline);
    if (newestWithBaseline !== undefined) keep.add(newestWithBaseline);
    for (const number of ascending) {
      const cached = this.rounds.get(number)!;
      if (!keep.has(number) && (cached.round.baseline || cached.round.keys || cached.round.expected)) {
        this.rounds.set(number, { round: withoutDetails(cached.round), summary: cached.summary });
      }
    }
  }

  /** Every round, oldest first (older rounds without per-key details). */
  all(): Round[] {
    return [...this.rounds.values()].map((cached) => cached.round).sort((a, b) => a.number - b.number);
  }

  /** Summaries of every round, oldest first. */
  summaries(): RoundSummary[] {
    return [...this.rounds.values()].map((cached) => cached.summary).sort((a, b) => a.number - b.number);
  }
}
