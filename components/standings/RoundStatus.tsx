'use client';
/**
 * What happens next, for everybody: the countdown to the next round, the round in progress (and its
 * deadline), or that the organiser paused the schedule. Fixed-width digits: no layout shift.
 */
import type { ScoreboardView } from '@/lib/scoreboard/views/types';
import { formatCountdown } from '../format';
import { useNow } from '../live/use-live';

type Board = Pick<ScoreboardView, 'nextRoundAt' | 'paused' | 'runningRound'>;

const PHASES = { baseline: 'reading tables', sending: 'sending messages', waiting: 'waiting for pipelines' } as const;

export function RoundStatus({ board, large = false }: { board: Board; large?: boolean }) {
  const now = useNow();
  const running = board.runningRound;
  const label = large ? 'text-[2.2vh] uppercase tracking-wider text-slate-400' : 'text-xs uppercase tracking-wider text-slate-400';
  const value = large ? 'text-[6vh] leading-none font-bold tabular-nums' : 'text-3xl leading-none font-bold tabular-nums sm:text-4xl';
  const detail = large ? 'text-[2vh] text-slate-300' : 'text-sm text-slate-300';

  if (running) {
    const deadline = running.deadlineAt ? Date.parse(running.deadlineAt) : null;
    return (
      <div className="min-w-[11rem] text-right" data-testid="round-status">
        <p className={label}>Round {running.number} in progress</p>
        <p className={`${value} text-amber-300`}>{deadline && now !== null ? formatCountdown(deadline - now) : '…'}</p>
        <p className={detail}>{deadline ? 'until the deadline' : PHASES[running.phase]}</p>
      </div>
    );
  }
  if (board.paused) {
    return (
      <div className="min-w-[11rem] text-right" data-testid="round-status">
        <p className={label}>Schedule</p>
        <p className={`${value} text-slate-300`}>Paused</p>
        <p className={detail}>by the organiser</p>
      </div>
    );
  }
  const next = board.nextRoundAt ? Date.parse(board.nextRoundAt) : null;
  return (
    <div className="min-w-[11rem] text-right" data-testid="round-status">
      <p className={label}>Next round in</p>
      <p className={`${value} text-emerald-300`}>{next === null ? '—:——' : now === null ? '–:––' : formatCountdown(next - now)}</p>
      <p className={detail}>{next === null ? 'no round scheduled yet' : now !== null && next <= now ? 'starting…' : '\u00a0'}</p>
    </div>
  );
}
