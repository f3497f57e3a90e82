/**
 * One team's page: where it stands, its live table against the expected totals, every round, and
 * the diagnosis of its last failed round. While the standings are frozen, score, rank and lab are
 * those of the freeze and rounds closed since are sealed (see ./freeze.ts). A public page: void
 * rounds and table reads the organiser's side failed say only that (`publicRound`, `publicTableRead`).
 */
import type { BoardData } from './board-data';
import { frozenBoardOf, revealedThrough } from './freeze';
import { liveTable, publicTableRead } from './live-table';
import { remoteState } from './remote';
import { isClosed, latestDiagnosis, medianTimeToCorrect, newestRunning, publicRound, sealRound } from './rounds';
import type { RoundSummary, ScoreboardView, TeamView } from './types';

/** A team's page, or null for an unknown team; `live` is the live board (for the team's rank). */
export function teamPage(data: BoardData, slug: string, live: ScoreboardView): TeamView | null {
  const team = data.teams.find((candidate) => candidate.slug === slug);
  if (!team) return null;
  const frozen = frozenBoardOf(data);
  const revealed = frozen ? revealedThrough(frozen, slug) : null;
  const isRevealed = (round: RoundSummary) => revealed === null || round.number <= revealed;
  const rounds = data.rounds.get(slug) ?? [];
  const summaries = data.summaries.get(slug) ?? [];
  const shown = summaries.filter(isRevealed);
  const standing = (frozen ?? live).teams.find((entry) => entry.slug === slug);
  return {
    team: {
      slug,
      name: team.name,
      kind: team.kind,
      active: team.active,
      score: standing?.score ?? (frozen ? 0 : team.score),
      rank: standing?.rank ?? 0,
      lab: frozen ? (standing?.lab ?? team.labOverride ?? 1) : team.lab,
      region: team.connection.region,
      aggregateTable: team.resources.aggregateTable,
      local: team.local ? { pipeline: team.local.pipeline, status: team.local.status, message: team.local.message ?? null } : null,
      remote: remoteState(team, data.readAt ?? Date.now()),
    },
    live: liveTable(team, rounds, publicTableRead(data.tables.get(slug)), revealed),
    rounds: summaries.map((round) => (isRevealed(round) ? publicRound(round) : sealRound(round))).reverse(),
    running: frozen ? null : newestRunning(rounds),
    lastDiagnosis: latestDiagnosis(shown.filter(isClosed).reverse()),
    medianTimeToCorrectMs: medianTimeToCorrect(shown),
    frozen: frozen !== null,
  };
}
