/**
 * The last 10 rounds of a team as a strip of fixed slots (oldest left): green passed, red failed,
 * grey void, outlined when not played yet, amber while a round runs. Fixed width: no layout shift.
 */
import type { RoundSummary, RunningRound } from '@/lib/scoreboard/views/types';
import { formatDuration } from '../format';

const SLOTS = 10;

function describe(round: RoundSummary): string {
  if (round.status === 'passed') return `Round ${round.number}: passed in ${formatDuration(round.timeToCorrectMs)}`;
  if (round.status === 'void') return `Round ${round.number}: not scored — ${round.voidReason ?? 'the organiser’s side failed'}`;
  return `Round ${round.number}: failed${round.diagnosis ? ` — ${round.diagnosis.message}` : ''}`;
}

export function RoundStrip({ rounds, running, size = 'md' }: { rounds: RoundSummary[]; running?: RunningRound | null; size?: 'sm' | 'md' | 'lg' }) {
  const shown = rounds.slice(-(running ? SLOTS - 1 : SLOTS));
  const empty = SLOTS - shown.length - (running ? 1 : 0);
  const cell = size === 'lg' ? 'h-[0.8em] w-[0.45em] rounded-[0.1em]' : size === 'sm' ? 'h-3 w-2 rounded-sm' : 'h-4 w-2.5 rounded-sm';
  return (
    <div className={`flex items-center ${size === 'lg' ? 'gap-[0.12em]' : 'gap-1'}`} aria-label="last 10 rounds" role="img">
      {Array.from({ length: empty }, (_, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: empty slots have nothing to tell them apart but their position
        <span key={`empty-${index}`} className={`${cell} border border-slate-700`} />
      ))}
      {shown.map((round) => (
        <span
          key={round.number}
          title={describe(round)}
          data-round-result={round.status}
          className={`${cell} ${round.status === 'passed' ? 'bg-emerald-400' : round.status === 'failed' ? 'bg-rose-500' : 'bg-slate-500'}`}
        />
      ))}
      {running && <span title={`Round ${running.number}: in progress`} className={`${cell} animate-pulse bg-amber-400`} />}
    </div>
  );
}
