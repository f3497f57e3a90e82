/**
 * What a viewer should know about the board itself: the organiser's announcement, a frozen board,
 * a problem on the server, or lost contact with it.
 */
import type { ScoreboardView } from '@/lib/scoreboard/views/types';
import { formatClock } from '../format';
import type { FetchError } from '../live/use-live';
import { Notice } from '../ui';

export function Announcement({ board, large = false }: { board: Pick<ScoreboardView, 'announcement'>; large?: boolean }) {
  if (!board.announcement) return null;
  return (
    <div
      data-testid="announcement"
      className={`rounded-xl border border-amber-500/50 bg-amber-400/10 text-amber-100 ${large ? 'px-[1.5vw] py-[1vh] text-[2.8vh]' : 'px-4 py-3 text-base sm:text-lg'}`}
    >
      <span className="mr-2 font-semibold text-amber-300">Announcement</span>
      {board.announcement.text}
      {!large && <span className="ml-2 text-sm text-amber-200/70">{formatClock(board.announcement.postedAt)}</span>}
    </div>
  );
}

export function BoardNotices({ board, error, updatedAt }: { board: ScoreboardView | undefined; error: FetchError | undefined; updatedAt: number | null }) {
  return (
    <>
      {board?.frozen && (
        <Notice tone="info" title={`The standings are frozen${board.frozenAt ? ` since ${formatClock(board.frozenAt)}` : ''}`}>
          Rounds still run; their results are sealed, on team pages too, until the organiser reveals the final standings.
        </Notice>
      )}
      {board?.problem && (
        <Notice tone="warn" title="The standings may be out of date">
          {board.problem}
        </Notice>
      )}
      {error && (
        <Notice tone="error" title="Lost contact with the scoreboard server — retrying every 2 s">
          {error.message}
          {updatedAt ? ` · showing the standings from ${formatClock(new Date(updatedAt).toISOString())}` : ''}
        </Notice>
      )}
    </>
  );
}
