/**
 * The standings table: rank, team, lab, the last 10 rounds, median time-to-correct and score.
 * Rows have a fixed height and numbers are tabular, so nothing moves while values update. On a
 * phone the lab, strip and median fold under the team name.
 */
import Link from 'next/link';
import type { StandingsTeam } from '@/lib/scoreboard/views/types';
import { formatCount, formatDuration } from '../format';
import { LabBadge } from '../ui';
import { RoundStrip } from './RoundStrip';

export function StandingsTable({ teams, colours }: { teams: StandingsTeam[]; colours: Map<string, string> }) {
  return (
    <table className="w-full table-fixed border-separate border-spacing-y-1" data-testid="standings">
      <thead>
        <tr className="text-left text-xs tracking-wider text-slate-400 uppercase">
          <th className="w-10 px-2 font-medium sm:w-14">#</th>
          <th className="px-2 font-medium">Team</th>
          <th className="hidden w-20 px-2 font-medium md:table-cell">Lab</th>
          <th className="hidden w-36 px-2 font-medium sm:table-cell">Last 10</th>
          <th
            className="hidden w-28 px-2 text-right font-medium lg:table-cell"
            title="median time from the first message sent until the table was right, over passed rounds"
          >
            Median fix
          </th>
          <th className="w-20 px-2 text-right font-medium sm:w-28">Score</th>
        </tr>
      </thead>
      <tbody>
        {teams.map((team) => (
          <tr
            key={team.slug}
            data-testid="standing-row"
            data-slug={team.slug}
            className="h-16 bg-slate-900 sm:h-14 [&>td:first-child]:rounded-l-xl [&>td:last-child]:rounded-r-xl"
          >
            <td className="px-2 text-xl font-bold text-slate-300 tabular-nums sm:px-3 sm:text-2xl" data-testid="rank">
              {team.rank}
            </td>
            <td className="min-w-0 px-2">
              <div className="flex min-w-0 items-center gap-2">
                <span className="h-2.5 w-2.5 shrink-0 rounded-full" style={{ background: colours.get(team.slug) ?? 'transparent' }} aria-hidden />
                <Link
                  href={`/teams/${team.slug}`}
                  className="truncate text-base font-semibold hover:text-emerald-300 hover:underline sm:text-lg"
                  data-testid="team-name"
                >
                  {team.name}
                </Link>
                {!team.active && <span className="shrink-0 text-xs text-slate-500">(paused)</span>}
              </div>
              <div className="mt-1 flex items-center gap-2 sm:hidden">
                <LabBadge lab={team.lab} />
                <RoundStrip rounds={team.rounds} running={team.running} size="sm" />
              </div>
            </td>
            <td className="hidden px-2 md:table-cell">
              <LabBadge lab={team.lab} />
            </td>
            <td className="hidden px-2 sm:table-cell">
              <RoundStrip rounds={team.rounds} running={team.running} />
            </td>
            <td className="hidden px-2 text-right text-slate-300 tabular-nums lg:table-cell">{formatDuration(team.medianTimeToCorrectMs)}</td>
            <td className="px-2 text-right text-2xl font-bold tabular-nums sm:px-3 sm:text-3xl" data-testid="score">
              {formatCount(team.score)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
