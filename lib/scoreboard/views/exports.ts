/**
 * The organiser's CSV exports: the standings (live, whether or not the public board is frozen) and
 * every round of every team.
 */
import type { Round } from '@/lib/store/types';
import { toCsv } from './csv';
import type { StandingsTeam } from './types';

export function standingsCsv(teams: readonly StandingsTeam[]): string {
  return toCsv(
    ['rank', 'slug', 'name', 'score', 'lab', 'rounds_played', 'rounds_passed', 'median_time_to_correct_ms', 'score_reached_at'],
    teams.map((team) => [
      team.rank,
      team.slug,
      team.name,
      team.score,
      team.lab,
      team.roundsPlayed,
      team.roundsPassed,
      team.medianTimeToCorrectMs,
      team.scoreReachedAt,
    ]),
  );
}

export function roundsCsv(rounds: readonly Round[]): string {
  const ordered = [...rounds].sort((a, b) => a.number - b.number || a.team.localeCompare(b.team));
  return toCsv(
    [
      'round',
      'team',
      'lab',
      'status',
      'points',
      'started_at',
      'ended_at',
      'time_to_correct_ms',
      'messages',
      'duplicates',
      'modified_in_order',
      'modified_out_of_order',
      'diagnosis_code',
      'diagnosis',
      'lab_step',
      'void_reason',
      'seed',
    ],
    ordered.map((round) => [
      round.number,
      round.team,
      round.lab,
      round.status,
      round.points ?? 0,
      round.startedAt,
      round.endedAt,
      round.timeToCorrectMs,
      round.counts?.messages,
      round.counts?.duplicates,
      round.counts?.modifiedInOrder,
      round.counts?.modifiedOutOfOrder,
      round.diagnosis?.code,
      round.diagnosis?.message,
      round.diagnosis?.labStep,
      round.voidReason,
      round.seed,
    ]),
  );
}
