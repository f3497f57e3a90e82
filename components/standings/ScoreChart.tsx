'use client';
/**
 * Score over time of the top 10 teams (Recharts line chart, one line per team, x = round number).
 * No animation, so the chart does not jump on every refresh.
 */
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { ScoreboardView } from '@/lib/scoreboard/views/types';
import { teamColours } from './team-colours';

export function ScoreChart({
  board,
  height = 280,
  large = false,
}: {
  board: Pick<ScoreboardView, 'scoreHistory' | 'teams'>;
  height?: number | string;
  large?: boolean;
}) {
  const { teams, points } = board.scoreHistory;
  const names = new Map(board.teams.map((team) => [team.slug, team.name]));
  const colours = teamColours(teams);
  if (points.length < 2) {
    return (
      <div style={{ height }} className="flex items-center justify-center rounded-xl border border-dashed border-slate-700 px-6 text-center text-slate-400">
        The score chart fills in after the first round.
      </div>
    );
  }
  const data = points.map((point) => ({ round: point.round, ...Object.fromEntries(teams.map((slug) => [`team:${slug}`, point.scores[slug] ?? 0])) }));
  const tick = { fill: '#94a3b8', fontSize: large ? 18 : 12 };
  return (
    <div style={{ height }} data-testid="score-chart">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ top: 8, right: 12, bottom: 4, left: 0 }}>
          <CartesianGrid stroke="#1e293b" vertical={false} />
          <XAxis
            dataKey="round"
            tick={tick}
            stroke="#334155"
            tickLine={false}
            label={large ? undefined : { value: 'round', position: 'insideBottomRight', offset: -2, fill: '#64748b', fontSize: 11 }}
          />
          <YAxis tick={tick} stroke="#334155" tickLine={false} width={large ? 64 : 44} allowDecimals={false} />
          <Tooltip
            contentStyle={{ background: '#0f172a', border: '1px solid #334155', borderRadius: 8 }}
            labelFormatter={(round) => `After round ${round}`}
            formatter={(value, key) => [value, names.get(String(key).slice(5)) ?? String(key).slice(5)]}
          />
          <Legend
            formatter={(key: string) => <span className="text-slate-300">{names.get(key.slice(5)) ?? key.slice(5)}</span>}
            wrapperStyle={{ fontSize: large ? 18 : 12 }}
          />
          {teams.map((slug) => (
            <Line
              key={slug}
              type="linear"
              dataKey={`team:${slug}`}
              stroke={colours.get(slug)}
              strokeWidth={large ? 4 : 2.5}
              dot={false}
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
