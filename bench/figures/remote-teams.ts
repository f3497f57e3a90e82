/**
 * Figure 8: remote teams (room mode, issue 10 point 7). The organiser's whole `npm start` stack
 * (bench/full-stack.ts, no local team) and 1, 2 and 4 participant stacks on this same machine, each
 * `npm start -- --join <organiser> --token <token> --pipeline solution` with its own ports and data
 * directory, running timed rounds. What is measured is the organiser's side: the CPU of its web app,
 * scheduler and organiser store per remote team-round (every round interval whole: the agents' long
 * polls, uploads and forwarded logs between rounds included), the rounds' outcomes, and from that an
 * estimate of how many remote teams one organiser machine serves. The organiser's idle, subtracted
 * from each row, is measured last (no team, rounds paused), once its JVM and caches have warmed: measured
 * right after the start it came out above what the organiser spent in all with a team and every row
 * beyond it was negative (3 December); for the same reason the first team count's rounds are
 * measured after one round unmeasured (measured at once, 1 team's rounds cost the organiser store
 * 1.6 s a round where 4 teams' cost 1.0). The participant stacks share the machine, so rounds have
 * fewer messages than an event's 10,000 (said in the rows); the organiser's
 * only work that grows with the message count is the expected totals (`roundTotals`), measured here
 * at both counts and added.
 */
import { roundTotals } from '@/generator/messages';
import { cpuTimeMs } from '@/lib/local/process-tree';
import type { Round } from '@/lib/store/types';
import { checkInterrupted, type FigureContext, type FigureOutput, sleep, type TableRow } from '../figure';
import type { FullStack } from '../full-stack';
import { type Participant, startParticipant } from '../participant';
import { rounded } from '../stats';

export interface RemoteTeamsInputs {
  teamCounts: number[];
  /** Timed rounds measured per team count (one more runs, unmeasured, to close the last interval). */
  rounds: number;
  messages: number;
  /** The event's messages per round, for the organiser's CPU at that count. */
  eventMessages: number;
  roundIntervalSeconds: number;
  deadlineSeconds: number;
}

export interface RemoteTeamsResult {
  teams: number;
  /** Wall time of the measured round intervals. */
  wallMs: number;
  /** The organiser's processes' CPU over the measured round intervals, per process. */
  cpuMs: Record<string, number>;
  teamRounds: number;
  /** Web app + scheduler + organiser store, per remote team-round, at `messages`: all of it, and beyond the organiser's idle. */
  organiserCpuPerTeamRoundMs: number;
  beyondIdlePerTeamRoundMs: number;
  statuses: Record<string, number>;
  diagnoses: Record<string, number>;
}

export interface RemoteTeamsResults {
  /** The organiser's processes' CPU per second with no team and the rounds paused (snapshots, ticks, the JVM). */
  idleCpuMsPerSecond: Record<string, number>;
  configurations: RemoteTeamsResult[];
  /** `roundTotals` CPU at the figure's and at the event's message count. */
  totalsCpuMs: { messages: number; eventMessages: number };
  /** From the largest team count: organiser CPU per team-round beyond its idle at the event's message count, and the teams that fit. */
  atEventMessagesMs: number | null;
  teamsServed: number | null;
  /** Beyond the idle, what each remote team-round added between the smallest and the largest team count (per-round work shared by all teams left out). */
  furtherTeamRoundMs: number | null;
}

/** Organiser CPU beyond the idle that each team-round adds from the smallest to the largest team count, or null with one count. */
function furtherTeamRoundMs(configurations: readonly RemoteTeamsResult[]): number | null {
  const smallest = configurations.at(0);
  const largest = configurations.at(-1);
  if (!smallest || !largest || largest.teams === smallest.teams) return null;
  const beyondIdle = (result: RemoteTeamsResult) => result.beyondIdlePerTeamRoundMs * result.teamRounds;
  return rounded((beyondIdle(largest) - beyondIdle(smallest)) / (largest.teamRounds - smallest.teamRounds));
}

/** The organiser's processes that serve remote teams (kinesalite and the runtime idle: they carry local teams only). */
const ORGANISER_PARTS = ['web', 'scheduler', 'organiser store (DynamoDB Local)'];
const IDLE_SECONDS = 30;
/** After the last participant stopped and the teams were removed: their last requests and the store's compactions settle. */
const IDLE_SETTLE_SECONDS = 10;

/** CPU ms of `roundTotals` on this thread, the mean of `repetitions`. */
function totalsCpuMs(messages: number, repetitions = 20): number {
  roundTotals({ seed: 1, lab: 2, messages });
  const before = process.cpuUsage();
  for (let seed = 0; seed < repetitions; seed++) roundTotals({ seed, lab: 2, messages });
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / repetitions;
}

async function organiserCpu(stack: FullStack): Promise<() => Record<string, number>> {
  const watched = (await stack.processes()).filter((process) => ORGANISER_PARTS.includes(process.name));
  return () => Object.fromEntries(watched.map(({ name, pid }) => [name, cpuTimeMs(pid) ?? 0]));
}

/** CPU ms per second of each organiser process over `seconds` with nothing to do but its own upkeep. */
async function idleCpu(stack: FullStack, seconds: number, context: FigureContext): Promise<Record<string, number>> {
  const cpuOf = await organiserCpu(stack);
  const before = cpuOf();
  const started = performance.now();
  await sleep(seconds * 1000, context.signal);
  const after = cpuOf();
  const elapsedSeconds = (performance.now() - started) / 1000;
  return Object.fromEntries(Object.keys(before).map((name) => [name, rounded(((after[name] ?? 0) - (before[name] ?? 0)) / elapsedSeconds)]));
}

/** The rounds of one team count, measured; what they cost beyond the idle comes once the idle is known (`beyondIdle`). */
type MeasuredRounds = Omit<RemoteTeamsResult, 'beyondIdlePerTeamRoundMs'>;

async function measureRounds(
  stack: FullStack,
  participants: readonly Participant[],
  inputs: RemoteTeamsInputs,
  context: FigureContext,
): Promise<MeasuredRounds> {
  const teams = participants.length;
  const cpuOf = await organiserCpu(stack);
  const slugs = participants.map((participant) => participant.slug);
  const lastNumber = async () => Math.max(0, ...(await Promise.all(slugs.map(async (slug) => (await stack.rounds(slug)).at(-1)?.number ?? 0))));
  const before = await lastNumber();
  await stack.admin('PATCH', 'settings', { paused: false });
  // Round intervals whole, from the first measured round's start to the start of the one after the last.
  const starts: Array<{ at: string; wallMs: number; cpu: Record<string, number> }> = [];
  // Paused until now: null, then the first round's time; each later change means the round due at the previous time began.
  let seen: string | null = (await stack.store.getSettings()).nextRoundAt;
  while (starts.length < inputs.rounds + 1) {
    checkInterrupted(context.signal);
    for (const participant of participants)
      if (!participant.process.running) throw new Error(`participant ${participant.slug} stopped:\n${participant.process.recentOutput()}`);
    const next = (await stack.store.getSettings()).nextRoundAt;
    if (next !== null && next !== seen) {
      if (seen !== null) {
        starts.push({ at: seen, wallMs: performance.now(), cpu: cpuOf() });
        context.log(`  ${teams} remote team${teams > 1 ? 's' : ''}: round ${starts.length} began`);
      }
      seen = next;
    }
    // Asleep until the next round is due, then a look every 200 ms: the benchmark's own reads of the
    // organiser store (a few per round, not five a second) stay out of the CPU it measures.
    await sleep(Math.max(200, seen === null ? 0 : Date.parse(seen) - Date.now()), context.signal);
  }
  await stack.admin('PATCH', 'settings', { paused: true });
  await stack.waitUntil(async () => (await stack.store.listRunningRounds()).length === 0, 180_000, 'the rounds to close', context.signal);
  const first = starts[0]!;
  const last = starts.at(-1)!;
  const cpuMs = Object.fromEntries(Object.keys(first.cpu).map((name) => [name, Math.round((last.cpu[name] ?? 0) - (first.cpu[name] ?? 0))]));
  const rounds: Round[] = (await Promise.all(slugs.map((slug) => stack.rounds(slug))))
    .flat()
    .filter((round) => round.number > before)
    .filter((round) => Date.parse(round.startedAt) >= Date.parse(first.at) - 1000 && Date.parse(round.startedAt) < Date.parse(last.at) - 1000);
  const statuses: Record<string, number> = {};
  const diagnoses: Record<string, number> = {};
  for (const round of rounds) {
    statuses[round.status] = (statuses[round.status] ?? 0) + 1;
    if (round.diagnosis) diagnoses[round.diagnosis.code] = (diagnoses[round.diagnosis.code] ?? 0) + 1;
  }
  const teamRounds = teams * inputs.rounds;
  const wallMs = Math.round(last.wallMs - first.wallMs);
  const organiserMs = Object.values(cpuMs).reduce((sum, ms) => sum + ms, 0);
  return { teams, wallMs, cpuMs, teamRounds, organiserCpuPerTeamRoundMs: rounded(organiserMs / teamRounds), statuses, diagnoses };
}

/** The measured rounds with what they cost beyond the organiser's idle over the same wall time. */
function beyondIdle(measured: MeasuredRounds, idle: Record<string, number>): RemoteTeamsResult {
  const idleMs = (Object.values(idle).reduce((sum, ms) => sum + ms, 0) * measured.wallMs) / 1000;
  return { ...measured, beyondIdlePerTeamRoundMs: rounded(measured.organiserCpuPerTeamRoundMs - idleMs / measured.teamRounds) };
}

/** In all, as the rounds are measured (the idle comes last). */
function inAllOf(result: MeasuredRounds, inputs: RemoteTeamsInputs): string {
  const parts = Object.entries(result.cpuMs)
    .map(([name, ms]) => `${name} ${rounded(ms / result.teamRounds)} ms`)
    .join(', ');
  const outcomes = Object.entries(result.statuses)
    .map(([status, count]) => `${count} ${status}`)
    .join(', ');
  const diagnoses = Object.entries(result.diagnoses)
    .map(([code, count]) => `${count}× ${code}`)
    .join(', ');
  return `${inputs.messages.toLocaleString('en')}-message rounds (participant stacks share this machine), ${inputs.roundIntervalSeconds} s intervals whole, in all: ${parts}; rounds: ${outcomes}${diagnoses ? ` (${diagnoses})` : ''}`;
}

const measureOf = (result: MeasuredRounds) => `${result.teams} remote team${result.teams > 1 ? 's' : ''}: organiser CPU per team-round`;

function rowOf(result: RemoteTeamsResult, inputs: RemoteTeamsInputs): TableRow {
  return {
    measure: measureOf(result),
    result: `${result.beyondIdlePerTeamRoundMs} ms beyond its idle (${result.organiserCpuPerTeamRoundMs} ms in all)`,
    note: inAllOf(result, inputs),
  };
}

export async function remoteTeamsFigure(stack: FullStack, inputs: RemoteTeamsInputs, context: FigureContext): Promise<FigureOutput<RemoteTeamsResults>> {
  await stack.setTeams([], null);
  await stack.admin('PATCH', 'settings', {
    roundMessages: inputs.messages,
    roundIntervalSeconds: inputs.roundIntervalSeconds,
    roundDeadlineSeconds: inputs.deadlineSeconds,
  });
  const participants: Participant[] = [];
  const measured: MeasuredRounds[] = [];
  try {
    for (const teams of [...inputs.teamCounts].sort((a, b) => a - b)) {
      while (participants.length < teams) {
        checkInterrupted(context.signal);
        context.log(`  starting participant stack ${participants.length + 1} (npm start -- --join)…`);
        participants.push(await startParticipant(stack, participants.length + 1, context));
      }
      if (measured.length === 0) {
        context.log(`  a warm-up round with ${teams} team${teams > 1 ? 's' : ''}, not measured (the organiser store's JVM still compiles its paths)…`);
        await measureRounds(stack, participants, { ...inputs, rounds: 1 }, context);
      }
      const result = await measureRounds(stack, participants, inputs, context);
      measured.push(result);
      context.log(`  ${measureOf(result)}: ${result.organiserCpuPerTeamRoundMs} ms in all (${inAllOf(result, inputs)})`);
    }
  } finally {
    await Promise.all(participants.map((participant) => participant.process.stop(25_000)));
  }
  await stack.setTeams([], null);
  context.log(`  the organiser's idle CPU (no team, rounds paused, ${IDLE_SECONDS} s, after a settling pause of ${IDLE_SETTLE_SECONDS} s)…`);
  await sleep(IDLE_SETTLE_SECONDS * 1000, context.signal);
  const idle = await idleCpu(stack, IDLE_SECONDS, context);
  const configurations = measured.map((result) => beyondIdle(result, idle));
  const totals = { messages: rounded(totalsCpuMs(inputs.messages), 2), eventMessages: rounded(totalsCpuMs(inputs.eventMessages), 2) };
  const largest = configurations.at(-1);
  const atEventMessagesMs = largest ? rounded(largest.beyondIdlePerTeamRoundMs + totals.eventMessages - totals.messages) : null;
  // Upper bound as figure 1's: 2 cores × the interval ÷ the CPU of one team's round.
  const idleShare = Object.values(idle).reduce((sum, ms) => sum + ms, 0) / 1000;
  const teamsServed =
    atEventMessagesMs && atEventMessagesMs > 0 ? Math.floor(((2 - idleShare) * inputs.roundIntervalSeconds * 1000) / atEventMessagesMs) : null;
  const idleParts = Object.entries(idle)
    .map(([name, ms]) => `${name} ${ms}`)
    .join(', ');
  const rows: TableRow[] = [
    {
      measure: "organiser's idle CPU",
      result: `${rounded(Object.values(idle).reduce((sum, ms) => sum + ms, 0))} ms/s`,
      note: `no team, rounds paused, measured after the rows (${idleParts} ms/s): the snapshot the scoreboard rebuilds each second, the scheduler's ticks, the JVM; subtracted from the rows below`,
    },
    ...configurations.map((result) => rowOf(result, inputs)),
  ];
  rows.push({
    measure: `organiser CPU per remote team-round at ${inputs.eventMessages.toLocaleString('en')} messages`,
    result: atEventMessagesMs === null ? '—' : `${atEventMessagesMs} ms`,
    note: `beyond the idle: the ${largest?.teams ?? '—'}-team row plus what its expected totals cost more at ${inputs.eventMessages.toLocaleString('en')} messages (roundTotals: ${totals.eventMessages} ms against ${totals.messages} ms), goal under 50 ms`,
  });
  const further = furtherTeamRoundMs(configurations);
  rows.push({
    measure: 'each further remote team-round',
    result: further === null ? '—' : `${further} ms`,
    note: `beyond the idle, from the ${configurations.at(0)?.teams ?? '—'}- to the ${largest?.teams ?? '—'}-team row: what one more team adds, the work each round shares among its teams (the scheduler's round, the long polls' shared look) left out`,
  });
  rows.push({
    measure: 'remote teams one organiser machine serves',
    result: teamsServed === null ? '—' : `about ${teamsServed.toLocaleString('en')}`,
    note: `(2 cores less the idle) × ${inputs.roundIntervalSeconds} s ÷ the CPU per team-round above: an upper bound, as if the cores were the organiser's alone and shared perfectly`,
  });
  return { results: { idleCpuMsPerSecond: idle, configurations, totalsCpuMs: totals, atEventMessagesMs, teamsServed, furtherTeamRoundMs: further }, rows };
}
