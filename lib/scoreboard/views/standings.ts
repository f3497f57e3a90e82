/**
 * The live standings (what the organiser sees, frozen or not): teams ranked with their latest rounds,
 * round counts, median time-to-correct and running round, the score chart of the leaders, and the
 * settings every screen shows.
 */
import type { Round, Settings, Team } from '@/lib/store/types';
import type { BoardData } from './board-data';
import { rankTeams } from './ranking';
import { isClosed, medianTimeToCorrect, newestRunning } from './rounds';
import { lastItems, scoreSeries } from './stats';
import type { RoundSummary, RunningRound, ScoreboardView, StandingsTeam } from './types';

/** Closed rounds shown per team on the board. */
const STRIP_ROUNDS = 10;
/** Teams drawn on the score chart. */
const CHART_TEAMS = 10;

/** The settings part of the board: schedule, freeze and announcement. */
export function boardSettings(settings: Settings): Omit<ScoreboardView, 'teams' | 'scoreHistory' | 'runningRound' | 'problem'> {
  return {
    nextRoundAt: settings.paused ? null : settings.nextRoundAt,
    paused: settings.paused,
    frozen: settings.frozen,
    frozenAt: settings.frozenAt,
    announcement: settings.announcement,
    roundIntervalSeconds: settings.roundIntervalSeconds,
    roundMessages: settings.roundMessages,
    roundDeadlineSeconds: settings.roundDeadlineSeconds,
  };
}

function standingOf(team: Team & { rank: number }, rounds: readonly Round[], summaries: readonly RoundSummary[]): StandingsTeam {
  const closed = summaries.filter(isClosed);
  const scored = closed.filter((round) => round.status !== 'void');
  return {
    slug: team.slug,
    name: team.name,
    kind: team.kind,
    active: team.active,
    rank: team.rank,
    score: team.score,
    scoreReachedAt: team.scoreReachedAt,
    lab: team.lab,
    rounds: lastItems(closed, STRIP_ROUNDS),
    roundsPlayed: scored.length,
    roundsPassed: scored.filter((round) => round.passed).length,
    medianTimeToCorrectMs: medianTimeToCorrect(scored),
    running: newestRunning(rounds),
  };
}

/** The standings as they are now. */
export function liveBoard(data: BoardData): ScoreboardView {
  const teams = rankTeams(data.teams).map((team) => standingOf(team, data.rounds.get(team.slug) ?? [], data.summaries.get(team.slug) ?? []));
  const leaders = teams.slice(0, CHART_TEAMS).map((team) => team.slug);
  const leaderRounds = new Map(
    leaders.map((slug) => [slug, (data.summaries.get(slug) ?? []).filter(isClosed).map((round) => ({ number: round.number, points: round.points }))]),
  );
  const running = teams.map((team) => team.running).filter((round): round is RunningRound => round !== null);
  return {
    teams,
    scoreHistory: scoreSeries(leaderRounds, leaders),
    ...boardSettings(data.settings),
    runningRound: running.sort((a, b) => b.number - a.number)[0] ?? null,
    problem: data.problem,
  };
}
