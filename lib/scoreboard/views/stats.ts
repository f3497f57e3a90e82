/**
 * Small statistics for the standings: the median time-to-correct, a team's recent-round strip, and
 * the cumulative score-over-time series of the leading teams.
 */

/** The median of some numbers (mean of the two middle ones for an even count); null when empty. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  // Not empty: `middle` and, for an even count, `middle - 1` are indexes of the list.
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The last `count` items of a list (all of them when shorter). */
export function lastItems<T>(items: readonly T[], count: number): T[] {
  return items.slice(Math.max(0, items.length - count));
}

export interface ScoredRound {
  number: number;
  points: number;
}

export interface ScoreSeries {
  /** The teams drawn, in standings order. */
  teams: string[];
  /** One point per round number (oldest first): each team's score after that round. */
  points: Array<{ round: number; scores: Record<string, number> }>;
}

/** Picks at most `limit` evenly spread indexes of a list of `length`, always keeping the first and last. */
export function spreadIndexes(length: number, limit: number): number[] {
  if (length <= limit) return Array.from({ length }, (_, index) => index);
  const step = (length - 1) / (limit - 1);
  return Array.from({ length: limit }, (_, index) => Math.round(index * step));
}

/**
 * Cumulative scores over round numbers for the given teams (closed rounds only, any order), starting
 * from a point at 0 before the first round and thinned to at most `maxPoints` points.
 */
export function scoreSeries(roundsByTeam: ReadonlyMap<string, readonly ScoredRound[]>, teams: readonly string[], maxPoints = 120): ScoreSeries {
  const numbers = new Set<number>();
  for (const slug of teams) for (const round of roundsByTeam.get(slug) ?? []) numbers.add(round.number);
  const ordered = [...numbers].sort((a, b) => a - b);
  const first = ordered[0];
  const columns = first === undefined ? [] : [first - 1, ...ordered];
  const running = Object.fromEntries(teams.map((slug) => [slug, 0]));
  const sortedRounds = new Map(teams.map((slug) => [slug, [...(roundsByTeam.get(slug) ?? [])].sort((a, b) => a.number - b.number)]));
  const cursor = new Map(teams.map((slug) => [slug, 0]));
  const points = columns.map((round) => {
    for (const slug of teams) {
      const rounds = sortedRounds.get(slug) ?? [];
      let index = cursor.get(slug) ?? 0;
      for (let next = rounds[index]; next && next.number <= round; next = rounds[++index]) running[slug] = (running[slug] ?? 0) + next.points;
      cursor.set(slug, index);
    }
    return { round: Math.max(0, round), scores: { ...running } };
  });
  return { teams: [...teams], points: spreadIndexes(points.length, maxPoints).map((index) => points[index]!) }; // indexes of points
}
