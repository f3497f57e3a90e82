/**
 * What the public sees while the organiser keeps the standings frozen: the board saved at the freeze,
 * with live settings and announcement.
 */
import type { BoardData } from './board-data';
import type { ScoreboardView } from './types';

/** The frozen board while the standings are frozen; null when they are live. */
export function frozenBoardOf(data: Pick<BoardData, 'settings' | 'frozenBoard'>): ScoreboardView | null {
  return data.settings.frozen ? data.frozenBoard : null;
}

/** The public board: the live one, or while frozen the frozen teams and score chart with the live settings and announcement. */
export function publicBoard(live: ScoreboardView, frozen: ScoreboardView | null): ScoreboardView {
  if (!frozen) return live;
  return { ...live, teams: frozen.teams.map((team) => ({ ...team, running: null })), scoreHistory: frozen.scoreHistory };
}
