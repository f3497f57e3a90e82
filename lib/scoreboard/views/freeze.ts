/**
 * What the public sees of the standings: void rounds without the organiser's reasons (./rounds.ts,
 * `publicRound`), and while the organiser keeps the standings frozen the board saved at the freeze
 * (with live settings and announcement), and on team pages only the rounds that had closed by then.
 * A team's rounds are numbered in order, so "closed by the freeze" is "numbered at most its newest
 * closed round on the frozen board": no clocks to compare.
 */
import type { BoardData } from './board-data';
import { publicRound } from './rounds';
import type { ScoreboardView } from './types';

/** The frozen board while the standings are frozen; null when they are live. */
export function frozenBoardOf(data: Pick<BoardData, 'settings' | 'frozenBoard'>): ScoreboardView | null {
  return data.settings.frozen ? data.frozenBoard : null;
}

/** The newest round of a team the public may see while frozen (0: none, e.g. a team added after the freeze). */
export function revealedThrough(frozen: ScoreboardView, slug: string): number {
  return frozen.teams.find((team) => team.slug === slug)?.rounds.at(-1)?.number ?? 0;
}

/**
 * The public board: the live one, or while frozen the frozen teams and score chart with the live
 * settings and announcement (no running rounds while frozen: a round ending before its deadline
 * would tell that it passed); void rounds say only that the organiser's side failed.
 */
export function publicBoard(live: ScoreboardView, frozen: ScoreboardView | null): ScoreboardView {
  const board = frozen
    ? { ...live, teams: frozen.teams.map((team) => ({ ...team, running: null })), scoreHistory: frozen.scoreHistory, runningRound: null }
    : live;
  return { ...board, teams: board.teams.map((team) => ({ ...team, rounds: team.rounds.map(publicRound) })) };
}
