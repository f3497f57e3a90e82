'use client';
/**
 * Presenter mode for a projector: the whole board on one 16:9 screen with no scrolling. Up to 10
 * teams share the screen with the score chart; more are laid out in columns of up to 15 rows
 * (30 teams fit at 1920×1080). Sizes follow the viewport height so the type stays as large as fits.
 */
import type { ScoreboardView, StandingsTeam } from '@/lib/scoreboard/views/types';
import { formatCount, formatDuration } from '../format';
import { LabBadge } from '../ui';
import { Announcement, BoardNotices } from './BoardNotices';
import { RoundStatus } from './RoundStatus';
import { RoundStrip } from './RoundStrip';
import { ScoreChart } from './ScoreChart';
import { NoTeams, useBoard } from './Standings';
import { teamColours } from './team-colours';

const CHART_MAX_TEAMS = 10;
const ROWS_PER_COLUMN = 15;
const MIN_ROWS = 8;

/** A row needs about this many em: rank, dot, a name of 11 em, lab, 10-round strip, median, score and gaps. */
const ROW_WIDTH_EM = 34;

function layoutFor(count: number) {
  const chart = count <= CHART_MAX_TEAMS;
  const columns = chart ? 1 : Math.max(2, Math.ceil(count / ROWS_PER_COLUMN));
  const rows = Math.max(MIN_ROWS, Math.ceil(count / columns));
  const columnVw = chart ? (95 * 1.5) / 2.5 : 95 / columns - 1;
  return { columns, rows, chart, fontSize: `min(${((72 / rows) * 0.48).toFixed(2)}vh, ${(columnVw / ROW_WIDTH_EM).toFixed(2)}vw)` };
}

function PresenterRow({ team, colour }: { team: StandingsTeam; colour: string | undefined }) {
  return (
    <div data-testid="standing-row" data-slug={team.slug} className="flex min-h-0 items-center gap-[0.6em] rounded-[0.4em] bg-slate-900 px-[0.6em]">
      <span className="w-[1.6em] shrink-0 text-right font-bold text-slate-400 tabular-nums" data-testid="rank">
        {team.rank}
      </span>
      <span className="h-[0.45em] w-[0.45em] shrink-0 rounded-full" style={{ background: colour ?? 'transparent' }} />
      <span className="min-w-[8em] flex-1 truncate font-semibold" data-testid="team-name">
        {team.name}
      </span>
      <span className="shrink-0 text-[0.6em]">
        <LabBadge lab={team.lab} />
      </span>
      <span className="shrink-0">
        <RoundStrip rounds={team.rounds} running={team.running} size="lg" />
      </span>
      <span className="w-[4.2em] shrink-0 text-right text-[0.8em] text-slate-400 tabular-nums">{formatDuration(team.medianTimeToCorrectMs)}</span>
      <span className="w-[3.4em] shrink-0 text-right text-[1.25em] font-bold tabular-nums" data-testid="score">
        {formatCount(team.score)}
      </span>
    </div>
  );
}

export function PresenterBoard({ initial }: { initial: ScoreboardView | null }) {
  const { board, error, updatedAt } = useBoard(initial);
  const layout = layoutFor(board?.teams.length ?? 0);
  const colours = teamColours(board?.scoreHistory.teams ?? []);
  const columns = Array.from({ length: layout.columns }, (_, column) => (board?.teams ?? []).slice(column * layout.rows, (column + 1) * layout.rows));
  return (
    <div className="flex h-screen w-screen flex-col gap-[1.5vh] overflow-hidden bg-slate-950 px-[2.5vw] py-[2.5vh]" data-testid="presenter">
      <header className="flex shrink-0 items-center justify-between gap-[2vw]">
        <div>
          <h1 className="text-[5.5vh] leading-tight font-bold tracking-tight">Standings</h1>
          <p className="text-[2.2vh] text-slate-400">100 points per correct round · live</p>
        </div>
        {board && <RoundStatus board={board} large />}
      </header>
      {board && <Announcement board={board} large />}
      <div className="shrink-0 space-y-2 empty:hidden">
        <BoardNotices board={board} error={error} updatedAt={updatedAt} />
      </div>
      {board && board.teams.length === 0 && <NoTeams />}
      {board && board.teams.length > 0 && (
        <main
          className="grid min-h-0 flex-1 gap-[2vw]"
          style={{ gridTemplateColumns: layout.chart ? 'minmax(0,1.5fr) minmax(0,1fr)' : `repeat(${layout.columns}, minmax(0, 1fr))` }}
        >
          {columns.map((teams, index) => (
            <div
              // biome-ignore lint/suspicious/noArrayIndexKey: a column is a position on the screen, not an item
              key={index}
              className="grid min-h-0 grid-cols-1 gap-[0.7vh]"
              style={{ gridTemplateRows: `repeat(${layout.rows}, minmax(0, 1fr))`, fontSize: layout.fontSize }}
            >
              {teams.map((team) => (
                <PresenterRow key={team.slug} team={team} colour={colours.get(team.slug)} />
              ))}
            </div>
          ))}
          {layout.chart && (
            <div className="min-h-0 rounded-2xl border border-slate-800 bg-slate-900/70 p-[1.5vh]">
              <ScoreChart board={board} height="100%" large />
            </div>
          )}
        </main>
      )}
    </div>
  );
}
