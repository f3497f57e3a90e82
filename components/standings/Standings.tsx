'use client';
/**
 * The public standings page: round status and countdown, announcement, the standings table and the
 * score chart, refreshed every second from /api/scoreboard (an unchanged board costs a 304).
 */
import { useEffect, useState } from 'react';
import type { ScoreboardView } from '@/lib/scoreboard/views/types';
import { formatCount } from '../format';
import { useLive } from '../live/use-live';
import { Notice, Panel } from '../ui';
import { Announcement, BoardNotices } from './BoardNotices';
import { RoundStatus } from './RoundStatus';
import { ScoreChart } from './ScoreChart';
import { StandingsTable } from './StandingsTable';
import { teamColours } from './team-colours';

export function useBoard(initial: ScoreboardView | null, url = '/api/scoreboard') {
  const live = useLive<ScoreboardView>(url, initial ?? undefined);
  const [updatedAt, setUpdatedAt] = useState<number | null>(null);
  useEffect(() => {
    if (live.data && !live.error) setUpdatedAt(Date.now());
  }, [live.data, live.error]);
  return { board: live.data, error: live.error, updatedAt, loading: !live.data && !live.error };
}

export function NoTeams() {
  return (
    <Notice tone="info" title="No teams yet">
      The organiser adds teams on the organiser page (/admin). A fresh <code>npm start</code> creates two: <code>reference</code> and <code>my-team</code>.
    </Notice>
  );
}

export function Standings({ initial }: { initial: ScoreboardView | null }) {
  const { board, error, updatedAt } = useBoard(initial);
  if (!board) {
    return error ? <BoardNotices board={undefined} error={error} updatedAt={null} /> : <Notice title="Loading the standings…" />;
  }
  const colours = teamColours(board.scoreHistory.teams);
  const totalRounds = Math.max(0, ...board.teams.map((team) => team.roundsPlayed));
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-3xl font-bold tracking-tight sm:text-4xl">Standings</h1>
          <p className="mt-1 text-sm text-slate-400">
            {formatCount(board.teams.length)} {board.teams.length === 1 ? 'team' : 'teams'} · {formatCount(totalRounds)}{' '}
            {totalRounds === 1 ? 'round' : 'rounds'} played · every {board.roundIntervalSeconds} s, {formatCount(board.roundMessages)} messages,{' '}
            {board.roundDeadlineSeconds} s deadline · 100 points per correct round
          </p>
        </div>
        <RoundStatus board={board} />
      </div>
      <Announcement board={board} />
      <BoardNotices board={board} error={error} updatedAt={updatedAt} />
      {board.teams.length === 0 ? (
        <NoTeams />
      ) : (
        <div className="grid grid-cols-1 gap-4 xl:grid-cols-[minmax(0,1fr)_30rem]">
          <div className="self-start">
            <StandingsTable teams={board.teams} colours={colours} />
          </div>
          <Panel title="Score over time · top 10" className="self-start">
            <ScoreChart board={board} height={320} />
          </Panel>
        </div>
      )}
    </div>
  );
}
