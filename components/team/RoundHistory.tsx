'use client';
/**
 * A team's round history: time-to-correct per round as a bar chart (failed rounds in red), and a
 * table of the rounds with lab, result, time and diagnosis (sealed rounds, while the standings are
 * frozen, show only their number and start).
 */
import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { RoundSummary, TeamRound } from '@/lib/scoreboard/views/types';
import { formatClock, formatDuration } from '../format';
import { Badge, LabBadge } from '../ui';

const CHART_ROUNDS = 30;
const TABLE_ROUNDS = 20;

const SEALED = 'sealed until the standings are revealed';

function scored(round: TeamRound): round is RoundSummary {
  return round.status === 'passed' || round.status === 'failed';
}

function ResultBadge({ round }: { round: TeamRound }) {
  if (round.status === 'sealed') return <Badge title={SEALED}>sealed</Badge>;
  if (round.status === 'running') return <Badge tone="busy">running</Badge>;
  if (round.status === 'passed') return <Badge tone="good">+{round.points}</Badge>;
  if (round.status === 'void') return <Badge title={round.voidReason ?? undefined}>not scored</Badge>;
  return <Badge tone="bad">failed</Badge>;
}

export function TimeToCorrectChart({ rounds }: { rounds: TeamRound[] }) {
  const closed = rounds.filter(scored).slice(0, CHART_ROUNDS).reverse();
  if (closed.length === 0) {
    return <div className="flex h-48 items-center justify-center rounded-xl border border-dashed border-slate-700 text-slate-400">No scored rounds yet.</div>;
  }
  const slowest = Math.max(1, ...closed.map((round) => (round.timeToCorrectMs ?? 0) / 1000));
  const data = closed.map((round) => ({
    round: round.number,
    seconds: round.passed ? (round.timeToCorrectMs ?? 0) / 1000 : slowest,
    passed: round.passed,
    ttc: round.timeToCorrectMs,
  }));
  return (
    <div className="h-48" data-testid="ttc-chart">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="#1e293b" vertical={false} />
          <XAxis dataKey="round" tick={{ fill: '#94a3b8', fontSize: 12 }} stroke="#334155" tickLine={false} />
          <YAxis
            hide={!data.some((entry) => entry.passed)}
            tick={{ fill: '#94a3b8', fontSize: 12 }}
            stroke="#334155"
            tickLine={false}
            width={40}
            allowDecimals={false}
            tickFormatter={(seconds: number) => `${seconds} s`}
          />
          <Tooltip
            cursor={{ fill: '#1e293b' }}
            contentStyle={{ background: '#0f172a', border: '1px solid #334155', borderRadius: 8 }}
            labelFormatter={(round) => `Round ${round}`}
            formatter={(_value, _name, item) => [item.payload.passed ? `correct after ${formatDuration(item.payload.ttc)}` : 'failed', '']}
          />
          <Bar dataKey="seconds" isAnimationActive={false} radius={[4, 4, 0, 0]}>
            {data.map((entry) => (
              <Cell key={entry.round} fill={entry.passed ? '#34d399' : '#f43f5e'} fillOpacity={entry.passed ? 1 : 0.55} />
            ))}
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

function RoundCells({ round }: { round: TeamRound }) {
  if (round.status === 'sealed')
    return (
      <>
        <td className="px-2 text-slate-500">—</td>
        <td className="px-2">
          <ResultBadge round={round} />
        </td>
        <td className="px-2 text-right text-slate-500">—</td>
        <td className="px-2 text-slate-400" title={SEALED}>
          <div className="max-w-[18rem] truncate 2xl:max-w-[28rem]">{SEALED}</div>
        </td>
      </>
    );
  return (
    <>
      <td className="px-2">
        <LabBadge lab={round.lab} />
      </td>
      <td className="px-2">
        <ResultBadge round={round} />
      </td>
      <td className="px-2 text-right">{formatDuration(round.timeToCorrectMs)}</td>
      <td className="px-2 text-slate-300" title={round.diagnosis?.message ?? round.voidReason ?? ''}>
        <div className="max-w-[18rem] truncate 2xl:max-w-[28rem]">{round.diagnosis?.message ?? (round.status === 'void' ? round.voidReason : '')}</div>
      </td>
    </>
  );
}

export function RoundTable({ rounds }: { rounds: TeamRound[] }) {
  if (rounds.length === 0)
    return <p className="text-slate-400">No rounds played yet: the first one starts when the countdown ends (or when the organiser starts one).</p>;
  return (
    <div className="overflow-x-auto">
      <table className="w-full min-w-[36rem] text-sm tabular-nums" data-testid="round-history">
        <thead>
          <tr className="text-left text-xs tracking-wider text-slate-400 uppercase">
            <th className="px-2 py-2 font-medium">Round</th>
            <th className="px-2 py-2 font-medium">Started</th>
            <th className="px-2 py-2 font-medium">Lab</th>
            <th className="px-2 py-2 font-medium">Result</th>
            <th className="px-2 py-2 text-right font-medium">Correct after</th>
            <th className="px-2 py-2 font-medium">Why</th>
          </tr>
        </thead>
        <tbody>
          {rounds.slice(0, TABLE_ROUNDS).map((round) => (
            <tr key={round.number} className="h-10 border-t border-slate-800 align-middle" data-testid="round-row" data-status={round.status}>
              <td className="px-2 font-semibold">{round.number}</td>
              <td className="px-2 text-slate-400">{formatClock(round.startedAt)}</td>
              <RoundCells round={round} />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
