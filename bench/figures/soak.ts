/**
 * Figure 6: soak. Consecutive 10,000-message rounds for 2 teams running the reference solution on
 * the whole `npm start` stack, each team's next round asked for (organiser API) as soon as its
 * previous one closed and its pipeline is idle; time-to-correct of the first 10 against the last
 * 10 rounds, resident memory of every process of the stack at the start and the end, and the
 * rounds not scored.
 */
import os from 'node:os';
import type { Round } from '@/lib/store/types';
import { checkInterrupted, type FigureContext, type FigureOutput, sleep, type TableRow } from '../figure';
import type { FullStack } from '../full-stack';
import { CpuMeter, memoryUse, type WatchedProcess } from '../proc';
import { waitUntilIdle } from '../runtime-status';
import { grouped, median, megabytes, ratio, rounded, seconds } from '../stats';

export interface SoakInputs {
  rounds: number;
  teams: string[];
  lab: 1 | 2;
  roundMessages: number;
  deadlineSeconds: number;
  /** Rounds at each end compared. */
  window: number;
  sampleEveryMs: number;
}

export interface ProcessMemory {
  name: string;
  /** RSS once the teams were ready, before the first round (KiB). */
  startRssKib: number | null;
  /** Highest RSS sampled during the first and during the last rounds (KiB). */
  peakFirstRoundsKib: number | null;
  peakLastRoundsKib: number | null;
  /** VmHWM at the end: the highest RSS the process ever had (KiB). */
  peakEverKib: number | null;
  /** CPU used over the soak, % of one core. */
  cpuPercent: number;
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
  machinePercent: number;
}

interface Sample {
  /** Fewest rounds closed by any team when sampled. */
  closed: number;
  rssKib: Map<string, number>;
}

function sampleMemory(processes: readonly WatchedProcess[], closed: number): Sample {
  const rssKib = new Map<string, number>();
  for (const watched of processes) {
    const use = memoryUse(watched.pid);
    if (use) rssKib.set(watched.name, use.rssKib);
  }
  return { closed, rssKib };
}

/**
 * Runs `count` rounds for one team, one after the other: each asked for once the previous one
 * closed and the team's pipeline is idle (a late round's leftovers would otherwise spill into the
 * next round and fail it too, which an event's 60 s interval never does).
 */
async function teamRounds(stack: FullStack, slug: string, count: number, closedCount: Map<string, number>, context: FigureContext): Promise<Round[]> {
  const done: Round[] = [];
  let last = (await stack.rounds(slug)).at(-1)?.number ?? 0;
  while (done.length < count) {
    checkInterrupted(context.signal);
    if (!(await waitUntilIdle(stack.runtimeUrl, 120_000, [slug]))) context.log(`  ${slug}'s pipeline was still busy 2 minutes after its round`);
    await stack.admin('POST', 'rounds', { teams: [slug] });
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

function peak(samples: readonly Sample[], name: string): number | null {
  const values = samples.map((sample) => sample.rssKib.get(name)).filter((value): value is number => value !== undefined);
  return values.length ? Math.max(...values) : null;
}

export async function soakFigure(stack: FullStack, inputs: SoakInputs, context: FigureContext): Promise<FigureOutput<SoakResults>> {
  await stack.admin('PATCH', 'settings', { paused: true, roundMessages: inputs.roundMessages, roundDeadlineSeconds: inputs.deadlineSeconds });
  const processes = await stack.processes();
  const start = sampleMemory(processes, 0);
  const samples: Sample[] = [start];
  const closedCount = new Map<string, number>(inputs.teams.map((slug) => [slug, 0]));
  const sampler = setInterval(() => samples.push(sampleMemory(processes, Math.min(...closedCount.values()))), inputs.sampleEveryMs);
  const meter = new CpuMeter(processes);
  const startedAt = Date.now();
  let perTeam: Round[][];
  try {
    perTeam = await Promise.all(inputs.teams.map((slug) => teamRounds(stack, slug, inputs.rounds, closedCount, context)));
  } finally {
    clearInterval(sampler);
  }
  const cpu = meter.read();
  const window = Math.min(inputs.window, inputs.rounds);
  const first = perTeam.flatMap((rounds) => rounds.slice(0, window));
  const last = perTeam.flatMap((rounds) => rounds.slice(-window));
  const all = perTeam.flat();
  const firstSamples = samples.filter((sample) => sample.closed < window);
  const lastSamples = samples.filter((sample) => sample.closed >= inputs.rounds - window);
  const memory: ProcessMemory[] = processes.map((watched) => ({
    name: watched.name,
    startRssKib: start.rssKib.get(watched.name) ?? null,
    peakFirstRoundsKib: peak(firstSamples, watched.name),
    peakLastRoundsKib: peak(lastSamples, watched.name),
    peakEverKib: memoryUse(watched.pid)?.peakRssKib ?? null,
    cpuPercent: rounded(((cpu.perProcess[watched.name] ?? 0) / cpu.wallMs) * 100, 1),
  }));
  const firstRounds = windowStats(first);
  const lastRounds = windowStats(last);
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
    machinePercent: rounded((cpu.machineMs / cpu.wallMs) * 100, 0),
  };
  return { results, rows: soakRows(results, inputs) };
}

export function soakRows(results: SoakResults, inputs: SoakInputs): TableRow[] {
  const window = Math.min(inputs.window, inputs.rounds);
  const teams = `${inputs.teams.length} teams`;
  const rows: TableRow[] = [
    {
      measure: `first ${window} rounds of each of ${teams}`,
      result: `median ${seconds(results.firstRounds.medianTimeToCorrectMs)}, ${results.firstRounds.passed}/${results.firstRounds.of} passed`,
      note: `Lab ${inputs.lab}${inputs.lab === 2 ? ' with failure injection' : ''}, ${grouped(inputs.roundMessages)} messages, each team's next round as soon as its previous one closed and its pipeline was idle`,
    },
    {
      measure: `last ${window} rounds (of ${inputs.rounds} per team)`,
      result: `median ${seconds(results.lastRounds.medianTimeToCorrectMs)}, ${results.lastRounds.passed}/${results.lastRounds.of} passed`,
      note: `last ÷ first: ${results.slowdown === null ? '—' : `${results.slowdown.toFixed(2)}×`}; soak took ${seconds(results.durationMs)}; machine CPU ${results.machinePercent}% of ${os.cpus().length * 100}%`,
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
      result: `${megabytes(process.startRssKib)} at start → peak ${megabytes(process.peakFirstRoundsKib)} (first ${window}) → peak ${megabytes(process.peakLastRoundsKib)} (last ${window})`,
      note: `highest ever (VmHWM) ${megabytes(process.peakEverKib)}; CPU ${process.cpuPercent}% of one core over the soak`,
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
