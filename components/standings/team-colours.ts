/**
 * Line colours of the score chart: each charted team keeps its colour while the set of charted teams
 * stays the same (colours follow the alphabetical order of slugs, not ranks that change every round).
 */
export const CHART_PALETTE = ['#34d399', '#60a5fa', '#f472b6', '#fbbf24', '#a78bfa', '#f87171', '#22d3ee', '#a3e635', '#fb923c', '#e879f9'];

export function teamColours(slugs: readonly string[]): Map<string, string> {
  return new Map([...slugs].sort().map((slug, index) => [slug, CHART_PALETTE[index % CHART_PALETTE.length]!]));
}
