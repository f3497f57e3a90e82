'use client';
/**
 * A team's page: where it stands, what its last round said, its live AggregateTable against the
 * round's expected totals, its round history and (local teams) its function logs. Live every second.
 */
import Link from 'next/link';
import type { LiveTable, TeamView } from '@/lib/scoreboard/views/types';
import { formatClock, formatCount, formatCountdown, formatDuration } from '../format';
import { useLive, useNow } from '../live/use-live';
import { Badge, LabBadge, Notice, Panel } from '../ui';
import { AggregateTree } from './AggregateTree';
import { FunctionLogs } from './FunctionLogs';
import { RoundTable, TimeToCorrectChart } from './RoundHistory';

const PHASES = { baseline: 'reading the baseline', sending: 'sending messages', waiting: 'waiting for the pipeline' } as const;

function Stat({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="min-w-[6.5rem] rounded-xl bg-slate-900 px-4 py-3">
      <p className="text-xs tracking-wider text-slate-400 uppercase">{label}</p>
      <p className="mt-1 text-2xl font-bold tabular-nums" data-testid={testId}>
        {value}
      </p>
    </div>
  );
}

function RoundLine({ view }: { view: TeamView }) {
  const now = useNow();
  const running = view.running;
  if (running) {
    const deadline = running.deadlineAt ? Date.parse(running.deadlineAt) : null;
    return (
      <Notice tone="warn" title={`Round ${running.number} in progress: ${PHASES[running.phase]}`}>
        {deadline && now !== null
          ? `The pipeline has ${formatCountdown(deadline - now)} left to get every total right.`
          : 'The expected totals appear below once every message is sent.'}
      </Notice>
    );
  }
  const last = view.rounds.find((round) => round.status !== 'running');
  if (!last) return <Notice title="No round played yet">The first round starts at the next countdown on the standings page.</Notice>;
  if (last.status === 'sealed')
    return (
      <Notice title={`Round ${last.number} is sealed`}>
        Its result, and that of every round since the freeze, shows when the organiser reveals the standings.
      </Notice>
    );
  if (last.status === 'passed')
    return (
      <Notice tone="success" title={`Round ${last.number} passed: +${last.points} points`}>
        Every total was right {formatDuration(last.timeToCorrectMs)} after the first message was sent.
      </Notice>
    );
  if (last.status === 'void')
    return (
      <Notice title={`Round ${last.number} was not scored`}>
        {last.voidReason ?? 'Something went wrong on the organiser’s side; it does not count against you.'}
      </Notice>
    );
  return null;
}

function Diagnosis({ view }: { view: TeamView }) {
  const diagnosis = view.lastDiagnosis;
  if (!diagnosis) return null;
  return (
    <section className="rounded-2xl border border-rose-500/50 bg-rose-950/40 p-5" data-testid="diagnosis">
      <p className="text-xs font-semibold tracking-wider text-rose-300 uppercase">Round {diagnosis.round} failed · diagnosis</p>
      <p className="mt-2 text-xl font-semibold text-rose-50">{diagnosis.message}</p>
      <p className="mt-3 text-sm text-rose-100/90">
        {diagnosis.labStep && <span className="mr-2 rounded-md bg-rose-500/20 px-2 py-0.5 font-semibold text-rose-100">{diagnosis.labStep}</span>}
        {diagnosis.hint}
      </p>
    </section>
  );
}

function liveTitle(live: LiveTable): string {
  if (!live.round) return 'AggregateTable';
  if (live.round.status === 'sealed') return `AggregateTable · change since round ${live.round.number} began`;
  return `AggregateTable · change since round ${live.round.number} began, against its expected totals`;
}

function LiveTablePanel({ view }: { view: TeamView }) {
  const { live } = view;
  const summary =
    live.keys.length && live.keys.some((key) => key.matches !== null) ? (
      <span
        className={`shrink-0 text-sm font-semibold whitespace-nowrap tabular-nums ${live.matching === live.keys.length ? 'text-emerald-300' : 'text-rose-300'}`}
        data-testid="match-count"
      >
        {live.matching} / {live.keys.length} keys match
      </span>
    ) : null;
  return (
    <Panel title={liveTitle(live)} action={summary}>
      <div className="space-y-3">
        {live.state === 'starting' && <Notice title="Starting up">{live.message}</Notice>}
        {live.state === 'failed' && (
          <Notice tone="error" title="The team’s resources are down">
            {live.message}
          </Notice>
        )}
        {live.state === 'waiting' && <Notice title="Reading the table">{live.message}</Notice>}
        {live.state === 'unreachable' && (
          <Notice tone="error" title="The team’s AggregateTable cannot be read">
            {live.message}
            {live.readAt ? ` Last read at ${formatClock(live.readAt)}.` : ''}
          </Notice>
        )}
        {live.keys.length > 0 && !live.round && (
          <Notice>No round yet: the values are the table’s totals; the expected change appears with the first round.</Notice>
        )}
        {live.round?.status === 'sealed' && live.keys.length > 0 && (
          <Notice>
            Round {live.round.number} is sealed until the organiser reveals the standings: the change is shown without the expected totals that would tell
            whether it matches.
          </Notice>
        )}
        {live.round?.phase && live.round.phase !== 'waiting' && live.keys.length > 0 && (
          <Notice tone="warn">
            Round {live.round.number} is {PHASES[live.round.phase]}; its expected totals appear when every message is sent.
          </Notice>
        )}
        {live.keys.length > 0 && <AggregateTree keys={live.keys} />}
        {live.keys.length > 0 && (
          <p className="text-xs text-slate-400">
            Actual = the AggregateTable now minus its value when the round began. A key matches when it is within 0.00001 of the expected change.
            {live.messageCount !== null && ` Messages counted since then: ${formatCount(live.messageCount)}.`}
          </p>
        )}
      </div>
    </Panel>
  );
}

export function TeamPage({ slug, initial }: { slug: string; initial: TeamView }) {
  const { data, error } = useLive<TeamView>(`/api/teams/${slug}`, initial);
  const view = data ?? initial;
  const { team } = view;
  const gone = error?.status === 404;
  return (
    <div className="space-y-5">
      <Link href="/" className="text-sm text-slate-400 hover:text-slate-200">
        ← Standings
      </Link>
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div className="min-w-0">
          <h1 className="truncate text-3xl font-bold tracking-tight sm:text-4xl" data-testid="team-title">
            {team.name}
          </h1>
          <div className="mt-2 flex flex-wrap items-center gap-2 text-sm text-slate-400">
            <code>{team.slug}</code>
            <LabBadge lab={team.lab} />
            <Badge>
              {team.kind === 'local'
                ? `local · ${team.local?.pipeline === 'solution' ? 'reference solution' : 'pipeline/handlers'}`
                : team.kind === 'remote'
                  ? 'remote · on the team’s own machine'
                  : `AWS · ${team.region}`}
            </Badge>
            {team.remote && (
              <Badge tone={team.remote.online ? 'good' : 'bad'}>
                <span data-testid="team-last-seen">
                  {team.remote.online ? 'online' : 'offline'}
                  {team.remote.lastSeenAt ? ` · last seen ${formatClock(team.remote.lastSeenAt)}` : ' · never connected'}
                </span>
              </Badge>
            )}
            {team.local && team.local.status !== 'ready' && <Badge tone={team.local.status === 'failed' ? 'bad' : 'busy'}>{team.local.status}</Badge>}
            {!team.active && <Badge tone="busy">rounds paused for this team</Badge>}
          </div>
        </div>
        <div className="flex gap-2">
          <Stat label="Rank" value={team.rank ? `#${team.rank}` : '—'} />
          <Stat label="Score" value={formatCount(team.score)} testId="team-score" />
          <Stat label="Median fix" value={formatDuration(view.medianTimeToCorrectMs)} />
        </div>
      </div>
      {gone && (
        <Notice tone="error" title="This team was removed">
          The organiser removed it; its rounds are gone too.
        </Notice>
      )}
      {error && !gone && (
        <Notice tone="error" title="Lost contact with the scoreboard server — retrying">
          {error.message}
        </Notice>
      )}
      {view.frozen && (
        <Notice title="The standings are frozen for the finale">
          Rank, score and lab are those of the freeze; rounds that closed since are sealed until the organiser reveals the standings.
        </Notice>
      )}
      <RoundLine view={view} />
      <Diagnosis view={view} />
      <LiveTablePanel view={view} />
      <div className="grid grid-cols-1 gap-5 xl:grid-cols-2">
        <Panel title="Time to correct per round">
          <TimeToCorrectChart rounds={view.rounds} />
          <p className="mt-2 text-xs text-slate-400">Green: seconds from the first message until every total was right. Red: the round failed.</p>
        </Panel>
        <Panel title="Rounds">
          <RoundTable rounds={view.rounds} />
        </Panel>
      </div>
      {(team.kind === 'local' || team.kind === 'remote') && <FunctionLogs slug={slug} />}
    </div>
  );
}
