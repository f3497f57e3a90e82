/**
 * Figure 1: time-to-correct of 10,000-message rounds with the reference solution on the local stack,
 * for 1, 2 and 4 teams at once (every team's round started together, as the scheduler does), in
 * Lab 1 and in Lab 2 with failure injection; where the time goes per stage (runtime statistics) and
 * per process (CPU time from /proc).
 */
import os from 'node:os';
import { type RoundOutcome, runRound } from '@/generator/round';
import { DEFAULT_FAILURE_PERCENTAGES, PIPELINE_FUNCTIONS, type PipelineFunction } from '@/lib/pipeline-resources';
import type { FunctionStats } from '@/lib/runtime/execution/function-runtime';
import type { RuntimeStatus } from '@/lib/runtime/runtime';
import type { FailurePercentages, Lab } from '@/lib/store/types';
import { checkInterrupted, type FigureContext, type FigureOutput, type TableRow } from '../figure';
import { type BenchTeam, LocalStack } from '../local-stack';
import { addCpuUse, CpuMeter, type CpuUse } from '../proc';
import { grouped, median, rounded, seconds } from '../stats';

export interface RoundTimeInputs {
  messages: number;
  roundsPerConfiguration: number;
  teamCounts: number[];
  labs: Lab[];
  deadlineSeconds: number;
  shardCount: number;
  /** Node options for the runtime process (profiling). */
  runtimeNodeOptions?: string[];
}

type StageStats = Record<PipelineFunction, FunctionStats>;

export interface TeamRound {
  team: string;
  status: RoundOutcome['status'];
  timeToCorrectMs: number | null;
  sendMs: number | null;
  diagnosis: string | null;
}

export interface RoundSample {
  seedBase: number;
  teams: TeamRound[];
  /** CPU per process from the start of the round until every team's round ended. */
  cpu: CpuUse;
  /** Runtime statistics of the round (summed over the teams), counted until the pipeline was idle again. */
  stages: StageStats;
}

export interface ConfigurationResult {
  lab: Lab;
  teams: number;
  rounds: RoundSample[];
  passedWithinDeadline: number;
  teamRounds: number;
  medianTimeToCorrectMs: number | null;
  worstTimeToCorrectMs: number | null;
  medianSendMs: number | null;
  /** Per team and round: invocations, records and busy time of each stage. */
  stagesPerTeamRound: StageStats;
  /** CPU used per process as a share of one core, over the rounds (100 = one core busy). */
  cpuPercent: Record<string, number>;
  cpuPercentTotal: number;
  /** The whole machine's busy CPU over the rounds (every process, ours and others'), 100 = one core. */
  machinePercent: number;
  /** CPU the stack spent per message sent, ms, in total and per process (all DynamoDB Locals together). */
  cpuMsPerMessage: number;
  cpuMsPerMessageByProcess: Record<string, number>;
}

export interface WarmUp {
  teams: string[];
  timeToCorrectMs: Array<number | null>;
}

export interface RoundTimeResults {
  coldFirstRounds: WarmUp[];
  configurations: ConfigurationResult[];
}

const NO_FAILURES: FailurePercentages = { state: 0, map: 0, reduce: 0 };

function emptyStages(): StageStats {
  return Object.fromEntries(PIPELINE_FUNCTIONS.map((fn) => [fn, { invocations: 0, errors: 0, timeouts: 0, records: 0, busyMs: 0 }])) as StageStats;
}

/** Each stage's statistics summed over some teams. */
function stagesOf(status: RuntimeStatus, slugs: readonly string[]): StageStats {
  const sum = emptyStages();
  for (const slug of slugs) {
    for (const fn of PIPELINE_FUNCTIONS) {
      const stats = status.teams[slug]?.functions[fn]?.stats;
      if (!stats) continue;
      for (const field of Object.keys(sum[fn]) as Array<keyof FunctionStats>) sum[fn][field] += stats[field];
    }
  }
  return sum;
}

function combineStages(parts: readonly StageStats[], divideBy = 1): StageStats {
  const sum = emptyStages();
  for (const part of parts)
    for (const fn of PIPELINE_FUNCTIONS) for (const field of Object.keys(sum[fn]) as Array<keyof FunctionStats>) sum[fn][field] += part[fn][field];
  for (const fn of PIPELINE_FUNCTIONS)
    for (const field of Object.keys(sum[fn]) as Array<keyof FunctionStats>) sum[fn][field] = rounded(sum[fn][field] / divideBy, 1);
  return sum;
}

function stageDelta(after: StageStats, before: StageStats): StageStats {
  const delta = emptyStages();
  for (const fn of PIPELINE_FUNCTIONS)
    for (const field of Object.keys(delta[fn]) as Array<keyof FunctionStats>) delta[fn][field] = after[fn][field] - before[fn][field];
  return delta;
}

function teamRound(team: BenchTeam, outcome: RoundOutcome): TeamRound {
  return {
    team: team.slug,
    status: outcome.status,
    timeToCorrectMs: outcome.timeToCorrectMs,
    sendMs: outcome.send ? Math.round(outcome.send.durationMs) : null,
    diagnosis: outcome.diagnosis ? `${outcome.diagnosis.code}: ${outcome.diagnosis.message}` : (outcome.voidReason ?? null),
  };
}

/** One round for each of the teams at once; CPU measured over the round, stages until the pipeline is idle. */
async function measureRound(
  stack: LocalStack,
  teams: readonly BenchTeam[],
  inputs: RoundTimeInputs,
  lab: Lab,
  seedBase: number,
  context: FigureContext,
): Promise<RoundSample> {
  const slugs = teams.map((team) => team.slug);
  const before = stagesOf(await stack.status(), slugs);
  const meter = new CpuMeter(stack.processes());
  const controller = new AbortController();
  const onAbort = () => controller.abort('interrupted');
  context.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const rounds = await Promise.all(
      teams.map(async (team, index) =>
        teamRound(
          team,
          await runRound(
            team.target,
            {
              seed: seedBase + index,
              lab,
              messages: inputs.messages,
              deadlineSeconds: inputs.deadlineSeconds,
              failurePercentages: lab === 2 ? { ...DEFAULT_FAILURE_PERCENTAGES } : NO_FAILURES,
            },
            { signal: controller.signal },
          ),
        ),
      ),
    );
    const cpu = meter.read();
    if (!(await stack.settle())) context.log('  the pipeline was still busy 2 minutes after the round');
    const stages = stageDelta(stagesOf(await stack.status(), slugs), before);
    return { seedBase, teams: rounds, cpu, stages };
  } finally {
    context.signal.removeEventListener('abort', onAbort);
  }
}

/** The teams' DynamoDB Locals count as one part, and so do their sandboxes (where the handlers run). */
function partOf(processName: string): string {
  if (processName.startsWith('dynamodb ')) return 'DynamoDB Local';
  if (processName.startsWith('sandbox ')) return 'sandboxes';
  return processName;
}

function summarise(lab: Lab, teamCount: number, rounds: RoundSample[], messages: number): ConfigurationResult {
  const teamRounds = rounds.flatMap((round) => round.teams);
  const times = teamRounds.map((round) => round.timeToCorrectMs).filter((time): time is number => time !== null);
  // The generator stops polling at the deadline (30 s after the burst was sent): a passed round made it.
  const passed = teamRounds.filter((round) => round.status === 'passed');
  const cpu = addCpuUse(rounds.map((round) => round.cpu));
  const cpuPercent = Object.fromEntries(Object.entries(cpu.perProcess).map(([name, ms]) => [name, rounded((ms / cpu.wallMs) * 100, 0)]));
  return {
    lab,
    teams: teamCount,
    rounds,
    passedWithinDeadline: passed.length,
    teamRounds: teamRounds.length,
    medianTimeToCorrectMs: median(times),
    worstTimeToCorrectMs: times.length ? Math.max(...times) : null,
    medianSendMs: median(teamRounds.map((round) => round.sendMs).filter((ms): ms is number => ms !== null)),
    stagesPerTeamRound: combineStages(
      rounds.map((round) => round.stages),
      teamRounds.length,
    ),
    cpuPercent,
    cpuPercentTotal: rounded((cpu.totalMs / cpu.wallMs) * 100, 0),
    machinePercent: rounded((cpu.machineMs / cpu.wallMs) * 100, 0),
    cpuMsPerMessage: rounded(cpu.totalMs / (messages * teamRounds.length), 2),
    cpuMsPerMessageByProcess: perMessage(cpu.perProcess, messages * teamRounds.length),
  };
}

function perMessage(perProcess: Record<string, number>, messages: number): Record<string, number> {
  const parts: Record<string, number> = {};
  for (const [name, ms] of Object.entries(perProcess)) parts[partOf(name)] = (parts[partOf(name)] ?? 0) + ms;
  return Object.fromEntries(Object.entries(parts).map(([name, ms]) => [name, rounded(ms / messages, 2)]));
}

function stageNote(stages: StageStats): string {
  return PIPELINE_FUNCTIONS.map((fn) => {
    const stats = stages[fn];
    const errors = stats.errors ? `, ${grouped(stats.errors, 1)} errors` : '';
    return `${fn.charAt(0).toUpperCase()}${fn.slice(1)} ${grouped(stats.invocations, 1)} calls, ${grouped(stats.records)} rec, ${seconds(stats.busyMs)} busy${errors}`;
  }).join('; ');
}

function cpuNote(result: ConfigurationResult): string {
  const parts = Object.entries(result.cpuMsPerMessageByProcess)
    .sort((a, b) => b[1] - a[1])
    .map(([name, ms]) => `${name} ${ms}`);
  return `CPU per message ${result.cpuMsPerMessage} ms (${parts.join(', ')}); whole machine busy ${result.machinePercent}% of ${os.cpus().length * 100}% (others' work included)`;
}

export async function roundTimeFigure(inputs: RoundTimeInputs, context: FigureContext): Promise<FigureOutput<RoundTimeResults>> {
  const stack = await LocalStack.start({ shardCount: inputs.shardCount, logDirectory: context.workDirectory, runtimeNodeOptions: inputs.runtimeNodeOptions });
  const results: RoundTimeResults = { coldFirstRounds: [], configurations: [] };
  let seed = 1000;
  try {
    for (const teamCount of [...inputs.teamCounts].sort((a, b) => a - b)) {
      checkInterrupted(context.signal);
      context.log(`  starting ${teamCount - stack.teams.length} more team(s) (each its own DynamoDB Local)…`);
      const added = await stack.addTeams(teamCount);
      if (added.length) {
        context.log(`  first round of ${added.map((team) => team.slug).join(', ')} (cold JVM, not counted)…`);
        seed += 100;
        const warm = await measureRound(stack, added, inputs, 1, seed, context);
        results.coldFirstRounds.push({ teams: added.map((team) => team.slug), timeToCorrectMs: warm.teams.map((round) => round.timeToCorrectMs) });
      }
      const teams = stack.teams.slice(0, teamCount);
      for (const lab of inputs.labs) {
        const rounds: RoundSample[] = [];
        for (let index = 0; index < inputs.roundsPerConfiguration; index++) {
          checkInterrupted(context.signal);
          seed += 100;
          const sample = await measureRound(stack, teams, inputs, lab, seed, context);
          rounds.push(sample);
          context.log(
            `  lab ${lab}, ${teamCount} team(s), round ${index + 1}/${inputs.roundsPerConfiguration}: ${sample.teams.map((round) => (round.status === 'passed' ? seconds(round.timeToCorrectMs) : `${round.status} (${round.diagnosis?.split(':')[0]})`)).join(', ')}`,
          );
        }
        results.configurations.push(summarise(lab, teamCount, rounds, inputs.messages));
      }
    }
  } finally {
    await stack.stop();
  }
  return { results, rows: roundTimeRows(results, inputs) };
}

export function roundTimeRows(results: RoundTimeResults, inputs: RoundTimeInputs): TableRow[] {
  const rows: TableRow[] = results.configurations.map((result) => ({
    measure: `Lab ${result.lab}${result.lab === 2 ? ' (failures 5/10/10 %)' : ''}, ${result.teams} team${result.teams > 1 ? 's' : ''} at once`,
    result: `median ${seconds(result.medianTimeToCorrectMs)}, worst ${seconds(result.worstTimeToCorrectMs)}; ${result.passedWithinDeadline}/${result.teamRounds} passed within ${inputs.deadlineSeconds} s`,
    note: `per team and round: ${stageNote(result.stagesPerTeamRound)}. Sending ${seconds(result.medianSendMs)}. ${cpuNote(result)}`,
  }));
  for (const lab of inputs.labs) {
    const configurations = results.configurations.filter((result) => result.lab === lab);
    if (configurations.length === 0) continue;
    const costliest = configurations.reduce((most, result) => (result.cpuMsPerMessage > most.cpuMsPerMessage ? result : most));
    const cpuSecondsPerRound = (costliest.cpuMsPerMessage * inputs.messages) / 1000;
    const cores = os.cpus().length;
    rows.push({
      measure: `Lab ${lab}: teams this machine can serve`,
      result: `at most ${rounded((cores * inputs.deadlineSeconds) / cpuSecondsPerRound, 1)} teams per round`,
      note: `${cores} cores × ${inputs.deadlineSeconds} s ÷ ${rounded(cpuSecondsPerRound, 1)} s of CPU per team and round (the most measured, with ${costliest.teams} team${costliest.teams > 1 ? 's' : ''}): an upper bound, as if the cores were the stack's alone and shared perfectly; the rows above say how many teams actually passed`,
    });
  }
  for (const cold of results.coldFirstRounds) {
    rows.push({
      measure: `first round after start (${cold.teams.length} new team${cold.teams.length > 1 ? 's' : ''}, cold JVM)`,
      result: cold.timeToCorrectMs.map((ms) => (ms === null ? 'not correct' : seconds(ms))).join(', '),
      note: 'not counted in the medians above',
    });
  }
  return rows;
}
