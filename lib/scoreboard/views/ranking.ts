/**
 * Ranking teams for the standings: higher score first; among equal scores the team that reached
 * that score first ranks higher. Teams still at 0 points, or tied to the millisecond, share a rank.
 */

export interface Rankable {
  slug: string;
  name: string;
  score: number;
  /** ISO time at which the team reached its current score. */
  scoreReachedAt: string;
}

export type Ranked<T> = T & { rank: number };

function reachedAt(team: Rankable): number {
  const time = Date.parse(team.scoreReachedAt);
  return Number.isNaN(time) ? Number.POSITIVE_INFINITY : time;
}

/** Whether two teams hold the same place (same score, reached at the same moment or never). */
function sharePlace(a: Rankable, b: Rankable): boolean {
  return a.score === b.score && (a.score === 0 || reachedAt(a) === reachedAt(b));
}

/** Orders two teams for the standings; equal places fall back to name, then slug, for a stable order. */
export function compareStanding(a: Rankable, b: Rankable): number {
  if (a.score !== b.score) return b.score - a.score;
  if (!sharePlace(a, b)) return reachedAt(a) - reachedAt(b);
  return a.name.localeCompare(b.name) || a.slug.localeCompare(b.slug);
}

/** Sorts teams into standings order and gives each its rank (competition ranking: 1, 1, 3). */
export function rankTeams<T extends Rankable>(teams: readonly T[]): Ranked<T>[] {
  const sorted = [...teams].sort(compareStanding);
  const ranked: Ranked<T>[] = [];
  sorted.forEach((team, index) => {
    const previous = ranked[index - 1];
    const rank = previous && sharePlace(previous, team) ? previous.rank : index + 1;
    ranked.push({ ...team, rank });
  });
  return ranked;
}
