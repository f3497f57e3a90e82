/**
 * Figure 6: soak (issue 10 point 8: a whole event fits a laptop). The whole `npm start` stack with
 * local teams running the reference solution, and remote teams each with a participant stack
 * (`npm start -- --join`) on this machine; consecutive rounds, each team's next round asked for
 * (organiser API) as soon as its previous one closed and its pipeline is idle. Time-to-correct of the
 * first against the last rounds; per process of the organiser's stack, of the local teams' pipelines
 * and of each participant's stack: resident memory at the start, during the first and the last
 * rounds, at its highest (VmHWM), and its slope over the second half of the soak (does it grow?);
 * the disk under each data directory (organiser store, kinesalite, each team's tables, logs, the
 * agent's journal) at the start and the end, after each round, its growth per round over each half
 * of the soak (does it speed up?), and extrapolated to a whole event at the second half's rate.
 */
import os from 'node:os';
import path from 'node:path';
import { errorMessage } from '@/lib/errors';
import type { Round, Team } from '@/lib/store/types';
import { checkInterrupted, type FigureContext, type FigureOutput, sleep, type TableRow } from '../figure';
import { type FullStack, stackProcesses } from '../full-stack';
import { type Participant, startParticipant } from '../participant';
import { CpuMeter, diskUseKib, memoryUse, type WatchedProcess } from '../proc';
import { waitUntilIdle } from '../runtime-status';
import { grouped, median, megabytes, ratio, rounded, seconds, slope } from '../stats';

export interface SoakInputs {
  rounds: number;
  /** Local teams: their pipelines run on the organiser's machine. */
  localTeams: string[];
  /** Remote teams: a participant stack each, on this machine. */
  remoteTeams: number;
  lab: 1 | 2;
  roundMessages: number;
  deadlineSeconds: number;
  /** Rounds at each end compared. */
  window: number;
  sampleEveryMs: number;
  /** The event the disk and memory are extrapolated to (issue 10 point 8: 240 rounds of 10,000 messages, 4 hours). */
  event: { rounds: number; messages: number };
}

/** Whose machine a process or a directory is on in an event. */
export type Machine = 'organiser' | 'local team' | 'participant';

export interface ProcessMemory {
  name: string;
  machine: Machine;
  /** RSS once the teams were ready, before the first round (KiB). */
  startRssKib: number | null;
  /** Highest RSS sampled during the first and during the last rounds (KiB). */
  peakFirstRoundsKib: number | null;
  peakLastRoundsKib: number | null;
  /** VmHWM at the end: the highest RSS the process ever had (KiB; of its last pid when it was restarted). */
  peakEverKib: number | null;
  /** Highest RSS sampled while each number of rounds had closed (index = the fewest rounds closed by any team), KiB. */
  perRoundPeakKib: Array<number | null>;
  /** Least-squares slope of `perRoundPeakKib` over the second half of the rounds, KiB per round. */
  growthKibPerRound: number | null;
  /** Whether that slope, continued to the event's last round, adds more than GROWTH_TOLERANCE. */
  grows: boolean;
  /** Times the process was found with a new pid (restarted, e.g. a sandbox recycled). */
  restarts: number;
  /** CPU used over the soak, % of one core. */
  cpuPercent: number;
}

export interface DirectoryDisk {
  name: string;
  machine: Machine;
  path: string;
  startKib: number;
  endKib: number;
  /** The team-rounds whose data it holds (its team's, or every team's for the organiser's store). */
  teamRounds: number;
  /** (end − start) ÷ teamRounds, KiB. */
  perTeamRoundKib: number;
  /** Size when each number of rounds had first closed (index = the fewest rounds closed by any team), KiB. */
  perRoundKib: Array<number | null>;
  /** Least-squares growth per team-round over the first and over the second half of the soak, KiB. */
  firstHalfPerTeamRoundKib: number | null;
  secondHalfPerTeamRoundKib: number | null;
  /** Whether it grows with the messages (stream records, tables) rather than with the rounds (store, logs, journal). */
  followsMessages: boolean;
  /** At the end of the event's rounds for one team, at the event's message count, at the second half's rate (KiB). */
  eventKib: number;
}

export interface SoakResults {
  durationMs: number;
  rounds: Array<Pick<Round, 'team' | 'number' | 'lab' | 'status' | 'timeToCorrectMs' | 'voidReason'> & { diagnosis: string | null }>;
  firstRounds: { medianTimeToCorrectMs: number | null; passed: number; of: number };
  lastRounds: { medianTimeToCorrectMs: number | null; passed: number; of: number };
  /** last ÷ first median time-to-correct. */
  slowdown: number | null;
  notScored: { failed: number; void: number; of: number };
  memory: ProcessMemory[];
  disk: DirectoryDisk[];
  machinePercent: number;
}

/** Growth past the last rounds' peak, continued to the event's end, that counts as growing: max(this, 10 % of that peak). */
const GROWTH_TOLERANCE_KIB = 64 * 1024;

/** A team the soak drives: where its pipeline runs, so its next round waits until that is idle. */
interface SoakTeam {
  slug: string;
  runtimeUrl: string;
}

interface Sample {
  /** Fewest rounds closed by any team when sampled. */
  closed: number;
  processes: WatchedProcess[];
  rssKib: Map<string, number>;
  /** Size of each watched directory by path (KiB): taken only by the first sample after a round closed. */
  diskKib: Map<string, number> | null;
}

/**
 * Runs `count` rounds for one team, one after the other: each asked for once the previous one
 * closed and the team's pipeline is idle (a late round's leftovers would otherwise spill into the
 * next round and fail it too, which an event's 60 s interval never does).
 */
async function teamRounds(stack: FullStack, team: SoakTeam, count: number, closedCount: Map<string, number>, context: FigureContext): Promise<Round[]> {
  const done: Round[] = [];
  const { slug } = team;
  let last = (await stack.rounds(slug)).at(-1)?.number ?? 0;
  while (done.length < count) {
    checkInterrupted(context.signal);
    if (!(await waitUntilIdle(team.runtimeUrl, 120_000, [slug]))) context.log(`  ${slug}'s pipeline was still busy 2 minutes after its round`);
    try {
      await stack.admin('POST', 'rounds', { teams: [slug] });
    } catch (error) {
      // On a loaded machine a request can fail in transit (fetch failed): ask again, the soak measures memory.
      context.log(`  asking for ${slug}'s round failed (${errorMessage(error)}); asking again`);
      continue;
    }
    const askedAt = Date.now();
    let round: Round | undefined;
    for (;;) {
      await sleep(500, context.signal);
      checkInterrupted(context.signal);
      round = (await stack.store.listRounds(slug, { after: last })).find((candidate) => candidate.status !== 'running');
      if (round) break;
      const started = (await stack.store.listRounds(slug, { after: last })).length > 0;
      if (!started && Date.now() - askedAt > 10_000) break;
    }
    if (!round) continue;
    last = round.number;
    done.push(round);
    closedCount.set(slug, done.length);
    context.log(
      `  ${slug} round ${done.length}/${count}: ${round.status === 'passed' ? seconds(round.timeToCorrectMs) : `${round.status} (${round.diagnosis?.code ?? round.voidReason ?? ''})`}`,
    );
  }
  return done;
}

function windowStats(rounds: readonly Round[]) {
  const times = rounds.map((round) => round.timeToCorrectMs).filter((ms): ms is number => typeof ms === 'number');
  return { medianTimeToCorrectMs: median(times), passed: rounds.filter((round) => round.status === 'passed').length, of: rounds.length };
}

/** The organiser's own processes; the rest of its stack (kinesalite, runtime, sandboxes, teams' DynamoDB Locals) carries local teams. */
const ORGANISER_PROCESSES = new Set(['supervisor (npm start)', 'organiser store (DynamoDB Local)', 'scheduler', 'web', 'reaper']);

function organiserMachine(name: string): Machine {
  return ORGANISER_PROCESSES.has(name) ? 'organiser' : 'local team';
}

interface WatchedDirectory {
  name: string;
  path: string;
  machine: Machine;
}

/** What each entry of a WORKSHOP_DATA_DIR holds, by its name there. */
const DATA_ENTRIES: Record<string, string> = { organiser: 'organiser store', kinesis: 'kinesalite', logs: 'logs', agent: "agent's journal" };

function dataEntry(root: string, entry: string, prefix: string, machine: Machine): WatchedDirectory {
  const [first = entry, team] = entry.split('/');
  return { name: `${prefix}${team ? `tables of ${team}` : (DATA_ENTRIES[first] ?? entry)}`, path: path.join(root, entry), machine };
}

/** Memory of every named process across samples: peaks, per-round peaks, slope over the second half, restarts. */
export function memoryOf(
  name: string,
  machine: Machine,
  samples: readonly Sample[],
  inputs: Pick<SoakInputs, 'rounds' | 'window' | 'event'>,
  peakEverKib: number | null,
  cpuPercent: number,
): ProcessMemory {
  const window = Math.min(inputs.window, inputs.rounds);
  const values = (chosen: readonly Sample[]) => chosen.map((sample) => sample.rssKib.get(name)).filter((value): value is number => value !== undefined);
  const peakOf = (chosen: readonly Sample[]) => {
    const found = values(chosen);
    return found.length ? Math.max(...found) : null;
  };
  const perRoundPeakKib = Array.from({ length: inputs.rounds + 1 }, (_, closed) => peakOf(samples.filter((sample) => sample.closed === closed)));
  const secondHalf = perRoundPeakKib
    .map((kib, closed) => [closed, kib] as const)
    .filter((point): point is readonly [number, number] => point[0] >= inputs.rounds / 2 && point[1] !== null);
  const growthKibPerRound = slope(secondHalf);
  const peakLastRoundsKib = peakOf(samples.filter((sample) => sample.closed >= inputs.rounds - window));
  const added = (growthKibPerRound ?? 0) * Math.max(0, inputs.event.rounds - inputs.rounds);
  const pids = new Set(samples.map((sample) => sample.processes.find((watched) => watched.name === name)?.pid).filter((pid) => pid !== undefined));
  return {
    name,
    machine,
    startRssKib: samples[0]?.rssKib.get(name) ?? null,
    peakFirstRoundsKib: peakOf(samples.filter((sample) => sample.closed < window)),
    peakLastRoundsKib,
    peakEverKib,
    perRoundPeakKib,
    growthKibPerRound: growthKibPerRound === null ? null : rounded(growthKibPerRound),
    grows: added > Math.max(GROWTH_TOLERANCE_KIB, 0.1 * (peakLastRoundsKib ?? 0)),
    restarts: Math.max(0, pids.size - 1),
    cpuPercent,
  };
}

/** A directory's growth per team-round and its size after the event's rounds for one team, at the event's message count. */
export function diskOf(
  directory: WatchedDirectory,
  startKib: number,
  endKib: number,
  teamRounds: number,
  samples: readonly Sample[],
  inputs: Pick<SoakInputs, 'rounds' | 'roundMessages' | 'event'>,
): DirectoryDisk {
  const followsMessages = /kinesalite|tables/.test(directory.name);
  const perTeamRoundKib = teamRounds > 0 ? (endKib - startKib) / teamRounds : 0;
  const perRoundKib = Array.from(
    { length: inputs.rounds + 1 },
    (_, closed) => samples.find((sample) => sample.closed === closed && sample.diskKib)?.diskKib?.get(directory.path) ?? null,
  );
  // Each closed round is one round of every team whose data the directory holds (the organiser store: every team's).
  const teamsSharing = teamRounds / inputs.rounds;
  const halfSlope = (inFirstHalf: boolean) => {
    const points = perRoundKib
      .map((kib, closed) => [closed, kib] as const)
      .filter((point): point is readonly [number, number] => point[1] !== null && point[0] <= inputs.rounds / 2 === inFirstHalf);
    const perRound = slope(points);
    return perRound === null || teamsSharing === 0 ? null : rounded(perRound / teamsSharing);
  };
  const secondHalfPerTeamRoundKib = halfSlope(false);
  const scale = followsMessages ? inputs.event.messages / inputs.roundMessages : 1;
  return {
    ...directory,
    startKib,
    endKib,
    teamRounds,
    perTeamRoundKib: rounded(perTeamRoundKib),
    perRoundKib,
    firstHalfPerTeamRoundKib: halfSlope(true),
    secondHalfPerTeamRoundKib,
    followsMessages,
    eventKib: Math.round(startKib + Math.max(0, secondHalfPerTeamRoundKib ?? perTeamRoundKib) * scale * inputs.event.rounds),
  };
}

export async function soakFigure(stack: FullStack, inputs: SoakInputs, context: FigureContext): Promise<FigureOutput<SoakResults>> {
  await stack.admin('PATCH', 'settings', { paused: true, roundMessages: inputs.roundMessages, roundDeadlineSeconds: inputs.deadlineSeconds });
  const participants: Participant[] = [];
  try {
    while (participants.length < inputs.remoteTeams) {
      context.log(`  starting participant stack ${participants.length + 1} (npm start -- --join)…`);
      const participant = await startParticipant(stack, participants.length + 1, context);
      participants.push(participant);
      await stack.admin('PATCH', `teams/${participant.slug}`, { labOverride: inputs.lab });
    }
    return await measure(stack, participants, inputs, context);
  } finally {
    await Promise.all(participants.map((participant) => participant.process.stop(25_000)));
  }
}

async function measure(stack: FullStack, participants: readonly Participant[], inputs: SoakInputs, context: FigureContext): Promise<FigureOutput<SoakResults>> {
  const teamsNow: readonly Team[] = await stack.teams();
  const teams: SoakTeam[] = [
    ...inputs.localTeams.map((slug) => ({ slug, runtimeUrl: stack.runtimeUrl })),
    ...participants.map((participant) => ({ slug: participant.slug, runtimeUrl: participant.runtimeUrl })),
  ];
  const machineOf = new Map<string, Machine>();
  const allProcesses = async (): Promise<WatchedProcess[]> => {
    const found = (await stack.processes(teamsNow)).map((watched) => {
      machineOf.set(watched.name, organiserMachine(watched.name));
      return watched;
    });
    for (const participant of participants) {
      if (participant.process.pid === undefined) continue;
      for (const watched of stackProcesses(participant.process.pid, 'supervisor and agent (npm start --join)', () => `dynamodb ${participant.slug}`)) {
        const name = `${participant.slug}: ${watched.name}`;
        machineOf.set(name, 'participant');
        found.push({ name, pid: watched.pid });
      }
    }
    return found;
  };
  const directories: WatchedDirectory[] = [
    dataEntry(stack.dataDirectory, 'organiser', '', 'organiser'),
    dataEntry(stack.dataDirectory, 'logs', '', 'organiser'),
    dataEntry(stack.dataDirectory, 'kinesis', '', 'local team'),
    ...inputs.localTeams.map((slug) => dataEntry(stack.dataDirectory, `teams/${slug}`, '', 'local team')),
    ...participants.flatMap((participant) =>
      ['kinesis', `teams/${participant.slug}`, 'logs', 'agent'].map((entry) =>
        dataEntry(participant.dataDirectory, entry, `${participant.slug}: `, 'participant'),
      ),
    ),
  ];
  const diskStart = directories.map((directory) => diskUseKib(directory.path));

  const closedCount = new Map<string, number>(teams.map((team) => [team.slug, 0]));
  let diskSampledAt = -1;
  const sample = async (): Promise<Sample> => {
    const processes = await allProcesses();
    const rssKib = new Map<string, number>();
    for (const watched of processes) {
      const use = memoryUse(watched.pid);
      if (use) rssKib.set(watched.name, use.rssKib);
    }
    const closed = Math.min(...closedCount.values());
    const diskKib = closed === diskSampledAt ? null : new Map(directories.map((directory) => [directory.path, diskUseKib(directory.path)]));
    diskSampledAt = closed;
    return { closed, processes, rssKib, diskKib };
  };
  const samples: Sample[] = [await sample()];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      await sleep(inputs.sampleEveryMs, context.signal);
      if (sampling) samples.push(await sample());
    }
  })();
  const meter = new CpuMeter(samples[0]!.processes);
  const startedAt = Date.now();
  let perTeam: Round[][];
  try {
    perTeam = await Promise.all(teams.map((team) => teamRounds(stack, team, inputs.rounds, closedCount, context)));
  } finally {
    sampling = false;
    await sampler;
  }
  const cpu = meter.read();
  const final = await sample();
  samples.push(final);

  const window = Math.min(inputs.window, inputs.rounds);
  const firstRounds = windowStats(perTeam.flatMap((rounds) => rounds.slice(0, window)));
  const lastRounds = windowStats(perTeam.flatMap((rounds) => rounds.slice(-window)));
  const all = perTeam.flat();
  const names = [...new Set(samples.flatMap((each) => each.processes.map((watched) => watched.name)))];
  const memory = names.map((name) => {
    const pid = final.processes.find((watched) => watched.name === name)?.pid;
    const startPid = samples[0]!.processes.find((watched) => watched.name === name)?.pid;
    return memoryOf(
      name,
      machineOf.get(name) ?? 'organiser',
      samples,
      inputs,
      pid === undefined ? null : (memoryUse(pid)?.peakRssKib ?? null),
      rounded((((startPid === pid ? cpu.perProcess[name] : undefined) ?? 0) / cpu.wallMs) * 100, 1),
    );
  });
  const disk = directories.map((directory, index) => {
    const sharedByAll = directory.name === 'organiser store' || directory.name === 'logs';
    const sharedByLocal = directory.name === 'kinesalite';
    const teamRoundCount = sharedByAll ? all.length : sharedByLocal ? inputs.localTeams.length * inputs.rounds : inputs.rounds;
    return diskOf(directory, diskStart[index] ?? 0, diskUseKib(directory.path), teamRoundCount, samples, inputs);
  });
  const slowdown = ratio(lastRounds.medianTimeToCorrectMs, firstRounds.medianTimeToCorrectMs);
  const results: SoakResults = {
    durationMs: Date.now() - startedAt,
    rounds: all.map((round) => ({
      team: round.team,
      number: round.number,
      lab: round.lab,
      status: round.status,
      timeToCorrectMs: round.timeToCorrectMs ?? null,
      voidReason: round.voidReason,
      diagnosis: round.diagnosis ? `${round.diagnosis.code}: ${round.diagnosis.message}` : null,
    })),
    firstRounds,
    lastRounds,
    slowdown: slowdown === null ? null : rounded(slowdown, 2),
    notScored: { failed: all.filter((round) => round.status === 'failed').length, void: all.filter((round) => round.status === 'void').length, of: all.length },
    memory,
    disk,
    machinePercent: rounded((cpu.machineMs / cpu.wallMs) * 100, 0),
  };
  return { results, rows: soakRows(results, inputs) };
}

function sizeOf(kib: number | null): string {
  if (kib === null) return '—';
  if (Math.abs(kib) >= 1024 * 1024) return `${(kib / 1024 / 1024).toFixed(2)} GB`;
  if (Math.abs(kib) >= 10 * 1024) return megabytes(kib);
  return `${rounded(kib / 1024, 1)} MB`;
}

function growthOf(process: ProcessMemory, inputs: SoakInputs): string {
  if (process.growthKibPerRound === null) return 'slope —';
  const per100 = `${process.growthKibPerRound >= 0 ? '+' : '−'}${sizeOf(Math.abs(process.growthKibPerRound) * 100)} per 100 rounds`;
  return process.grows
    ? `**grows** ${per100} over the second half: ~${sizeOf((process.peakLastRoundsKib ?? 0) + process.growthKibPerRound * (inputs.event.rounds - inputs.rounds))} by round ${inputs.event.rounds}`
    : `flat (${per100} over the second half)`;
}

const MACHINE_TITLES: Record<Machine, string> = {
  organiser: "organiser's machine",
  'local team': "a local team's pipeline (organiser's machine)",
  participant: "participant's machine",
};

export function soakRows(results: SoakResults, inputs: SoakInputs): TableRow[] {
  const window = Math.min(inputs.window, inputs.rounds);
  const teamCount = inputs.localTeams.length + inputs.remoteTeams;
  const teams = `${teamCount} teams (${inputs.localTeams.length} local, ${inputs.remoteTeams} remote)`;
  const eventScale = `${inputs.event.rounds} rounds of ${grouped(inputs.event.messages)} messages`;
  const rows: TableRow[] = [
    {
      measure: `first ${window} rounds of each of ${teams}`,
      result: `median ${seconds(results.firstRounds.medianTimeToCorrectMs)}, ${results.firstRounds.passed}/${results.firstRounds.of} passed`,
      note: `Lab ${inputs.lab}${inputs.lab === 2 ? ' with failure injection' : ''}, ${grouped(inputs.roundMessages)} messages, each team's next round as soon as its previous one closed and its pipeline was idle; the remote team's participant stack (npm start -- --join) on this machine`,
    },
    {
      measure: `last ${window} rounds (of ${inputs.rounds} per team)`,
      result: `median ${seconds(results.lastRounds.medianTimeToCorrectMs)}, ${results.lastRounds.passed}/${results.lastRounds.of} passed`,
      note: `last ÷ first: ${results.slowdown === null ? '—' : `${results.slowdown.toFixed(2)}×`}; soak took ${seconds(results.durationMs)}; machine CPU ${results.machinePercent}% of ${os.cpus().length * 100}% (others' work included)`,
    },
    {
      measure: 'rounds not scored',
      result: `${results.notScored.failed + results.notScored.void} of ${results.notScored.of} (${results.notScored.failed} failed, ${results.notScored.void} void)`,
      note: notScoredNote(results),
    },
  ];
  for (const process of results.memory) {
    rows.push({
      measure: `memory: ${process.name}`,
      result: `${megabytes(process.startRssKib)} at start → peak ${megabytes(process.peakFirstRoundsKib)} (first ${window}) → peak ${megabytes(process.peakLastRoundsKib)} (last ${window}); ${growthOf(process, inputs)}`,
      note: `${MACHINE_TITLES[process.machine]}; highest ever (VmHWM) ${megabytes(process.peakEverKib)}${process.restarts ? `; restarted ${process.restarts}× (VmHWM of the last)` : ''}; CPU ${process.cpuPercent}% of one core over the soak`,
    });
  }
  for (const directory of results.disk) {
    rows.push({
      measure: `disk: ${directory.name}`,
      result: `${sizeOf(directory.startKib)} at start → ${sizeOf(directory.endKib)} at the end (${sizeOf(directory.perTeamRoundKib)} per team-round; first half ${sizeOf(directory.firstHalfPerTeamRoundKib)}, second half ${sizeOf(directory.secondHalfPerTeamRoundKib)})`,
      note: `${MACHINE_TITLES[directory.machine]}; after ${eventScale} for one team, at the second half's rate: ~${sizeOf(directory.eventKib)}${directory.followsMessages ? ` (per round scaled ×${rounded(inputs.event.messages / inputs.roundMessages, 2)} to the messages)` : ' (grows with rounds, not messages)'}`,
    });
  }
  for (const machine of ['organiser', 'local team', 'participant'] as const) {
    const processes = results.memory.filter((process) => process.machine === machine);
    const directories = results.disk.filter((directory) => directory.machine === machine);
    if (processes.length === 0 && directories.length === 0) continue;
    const memoryKib = processes.reduce((sum, process) => sum + (process.peakEverKib ?? 0), 0);
    const growing = processes.filter((process) => process.grows).map((process) => process.name);
    const diskKib = directories.reduce((sum, directory) => sum + directory.eventKib, 0);
    rows.push({
      measure: `${MACHINE_TITLES[machine]}: an event of ${eventScale}`,
      result: `memory ${sizeOf(memoryKib)} (its processes' VmHWM summed), disk ~${sizeOf(diskKib)}`,
      note: `${growing.length ? `growing: ${growing.join(', ')}` : 'no process grows'}; disk ${machine === 'organiser' ? 'of its store and logs with one team (the store and the logs grow per team-round)' : "of one team's data"} at the end of the event, extrapolated from this soak`,
    });
  }
  return rows;
}

function notScoredNote(results: SoakResults): string {
  const reasons = new Map<string, number>();
  for (const round of results.rounds) {
    if (round.status === 'passed') continue;
    const [reason = 'unknown'] = (round.diagnosis ?? round.voidReason ?? 'unknown').split(':');
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  return reasons.size ? [...reasons].map(([reason, count]) => `${count}× ${reason}`).join(', ') : 'every round passed';
}
