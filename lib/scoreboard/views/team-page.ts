/**
 * One team's page: where it stands, its live table against the expected totals, every round, and
 * the diagnosis of its last failed round. While the standings are frozen, score and rank are those
 * of the freeze.
 */
import type { BoardData } from './board-data';
import { frozenBoardOf } from './freeze';
import { liveTable } from './live-table';
import { isClosed, latestDiagnosis, medianTimeToCorrect, newestRunning } from './rounds';
import type { ScoreboardView, TeamView } from './types';

/** A team's page, or null for an unknown team; `live` is the live board (for the team's rank). */
export function teamPage(data: BoardData, slug: string, live: ScoreboardView): TeamView | null {
  const team = data.teams.find((candidate) => candidate.slug === slug);
  if (!team) return null;
  const frozen = frozenBoardOf(data);
  const rounds = data.rounds.get(slug) ?? [];
  const summaries = data.summaries.get(slug) ?? [];
  const standing = frozen?.teams.find((entry) => entry.slug === slug) ?? live.teams.find((entry) => entry.slug === slug);
  return {
    team: {
      slug,
      name: team.name,
      kind: team.kind,
      active: team.active,
      score: standing?.score ?? team.score,
      rank: standing?.rank ?? 0,
      lab: team.lab,
      region: team.connection.region,
      aggregateTable: team.resources.aggregateTable,
      local: team.local ? { pipeline: team.local.pipeline, status: team.local.status, message: team.local.message ?? null } : null,
    },
    live: liveTable(team, rounds, data.tables.get(slug)),
    rounds: [...summaries].reverse(),
    running: newestRunning(rounds),
    lastDiagnosis: latestDiagnosis(summaries.filter(isClosed).reverse()),
    medianTimeToCorrectMs: medianTimeToCorrect(summaries),
    frozen: frozen !== null,
  };
}
