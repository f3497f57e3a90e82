/**
 * Figure 4: GET /api/scoreboard under 200 and 1,000 concurrent pollers (autocannon) while rounds
 * run, as fast as each poller can and at SWR's pace of one request a second, with and without
 * ETag/If-None-Match; and how many AggregateTable scans the server made meanwhile (/api/metrics),
 * against the number of teams ÷ the 1 s refresh interval.
 */
import os from 'node:os';
import autocannon from 'autocannon';
import type { Round } from '@/lib/store/types';
import { checkInterrupted, type FigureContext, type FigureOutput, sleep, type TableRow } from '../figure';
import type { FullStack } from '../full-stack';
import { CpuMeter } from '../proc';
import { grouped, median, rounded, seconds } from '../stats';

export interface ScoreboardLoadInputs {
  pollers: number[];
  secondsPerPhase: number;
  roundMessages: number;
  roundIntervalSeconds: number;
  /** The snapshot's refresh interval (lib/scoreboard/snapshot.ts). */
  refreshIntervalSeconds: number;
}

export interface LoadPhase {
  pollers: number;
  etag: boolean;
  /** Requests per second per poller; null = as fast as each poller gets answers. */
  pace: number | null;
}

export interface PhaseResult extends LoadPhase {
  durationSeconds: number;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Connection errors, timeouts and answers other than 200/304. */
  errors: number;
  /** Of the errors: requests that got no answer within 10 s, and answers by status other than 200/304. */
  timeouts: number;
  otherStatuses: Record<string, number>;
  ok200: number;
  notModified304: number;
  scansPerSecond: number;
  expectedScansPerSecond: number;
  snapshotBuildsPerSecond: number;
  /** Share of one core used by the web app and by the load generator (autocannon, in this process), and the whole machine. */
  cpuPercent: { web: number; loadGenerator: number; machine: number };
  /** The web app's CPU per answer, ms. */
  webCpuMsPerRequest: number | null;
}

export interface ScoreboardLoadResults {
  teams: number;
  phases: PhaseResult[];
  /** Rounds that ended while the load ran. */
  roundsDuringLoad: { passed: number; failed: number; void: number; medianTimeToCorrectMs: number | null };
}

function phasesOf(inputs: ScoreboardLoadInputs): LoadPhase[] {
  return inputs.pollers.flatMap((pollers) => [
    { pollers, etag: false, pace: null },
    { pollers, etag: true, pace: null },
    { pollers, etag: true, pace: 1 },
  ]);
}

/**
 * Autocannon clears a poller's context after each pass over its request list, so the list repeats
 * one GET: each poller then keeps the ETag of its last answer in its context and sends it back, as
 * SWR's fetch does through the browser's cache (a pass of 2,000 requests outlasts a phase; a much
 * longer list slows autocannon's start with 1,000 connections).
 */
const REPEATS_KEEPING_CONTEXT = 2_000;

function requestsOf(phase: LoadPhase): autocannon.Request[] {
  if (!phase.etag) return [{ method: 'GET', path: '/api/scoreboard' }];
  const poll: autocannon.Request = {
    method: 'GET',
    path: '/api/scoreboard',
    setupRequest: (request, context) => {
      const etag = (context as { etag?: string }).etag;
      return etag ? { ...request, headers: { ...request.headers, 'if-none-match': etag } } : request;
    },
    onResponse: (_status, _body, context, headers) => {
      const etag = headers?.etag;
      if (etag) (context as { etag?: string }).etag = Array.isArray(etag) ? etag[0] : etag;
    },
  };
  return Array.from({ length: REPEATS_KEEPING_CONTEXT }, () => poll);
}

function countOf(result: autocannon.Result, status: number): number {
  return Number(result.statusCodeStats?.[`${status}` as `${number}`]?.count ?? 0);
}

async function runPhase(stack: FullStack, phase: LoadPhase, inputs: ScoreboardLoadInputs, teams: number, signal: AbortSignal): Promise<PhaseResult> {
  const processes = await stack.processes();
  const web = processes.filter((watched) => watched.name.startsWith('web'));
  const meter = new CpuMeter([...web, { name: 'load generator', pid: process.pid }]);
  const before = await stack.metrics();
  const instance = autocannon({
    url: stack.webUrl,
    connections: phase.pollers,
    duration: inputs.secondsPerPhase,
    timeout: 10,
    connectionRate: phase.pace ?? undefined,
    requests: requestsOf(phase),
  });
  const stop = () => (instance as unknown as { stop: () => void }).stop();
  signal.addEventListener('abort', stop, { once: true });
  const result = await instance;
  signal.removeEventListener('abort', stop);
  const cpu = meter.read();
  const after = await stack.metrics();
  const wallSeconds = cpu.wallMs / 1000;
  const ok200 = countOf(result, 200);
  const notModified304 = countOf(result, 304);
  const answered = Object.values(result.statusCodeStats ?? {}).reduce((sum, stat) => sum + Number(stat?.count ?? 0), 0);
  const webMs = web.reduce((sum, watched) => sum + (cpu.perProcess[watched.name] ?? 0), 0);
  return {
    ...phase,
    durationSeconds: rounded(result.duration, 1),
    requestsPerSecond: Math.round(answered / result.duration),
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    errors: result.errors + (answered - ok200 - notModified304),
    timeouts: result.timeouts,
    otherStatuses: Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {})
        .filter(([status]) => status !== '200' && status !== '304')
        .map(([status, stat]) => [status, Number(stat?.count ?? 0)]),
    ),
    ok200,
    notModified304,
    scansPerSecond: rounded((after.aggregateScans - before.aggregateScans) / wallSeconds, 2),
    expectedScansPerSecond: rounded(teams / inputs.refreshIntervalSeconds, 2),
    snapshotBuildsPerSecond: rounded((after.snapshotBuilds - before.snapshotBuilds) / wallSeconds, 2),
    cpuPercent: {
      web: rounded((webMs / cpu.wallMs) * 100, 0),
      loadGenerator: rounded(((cpu.perProcess['load generator'] ?? 0) / cpu.wallMs) * 100, 0),
      machine: rounded((cpu.machineMs / cpu.wallMs) * 100, 0),
    },
    webCpuMsPerRequest: answered ? rounded(webMs / answered, 2) : null,
  };
}

/** Runs the load phases on a stack whose teams are set up; rounds run back to back meanwhile. */
export async function scoreboardLoadFigure(
  stack: FullStack,
  inputs: ScoreboardLoadInputs,
  context: FigureContext,
): Promise<FigureOutput<ScoreboardLoadResults>> {
  const teams = (await stack.teams()).filter((team) => team.local?.status === 'ready').length;
  await stack.admin('PATCH', 'settings', { paused: false, roundIntervalSeconds: inputs.roundIntervalSeconds, roundMessages: inputs.roundMessages });
  context.log('  waiting for the first round to run…');
  await stack.waitUntil(async () => (await stack.store.listRunningRounds()).length > 0, 120_000, 'a round to start', context.signal);
  for (let index = 0; index < 20; index++) await fetch(`${stack.webUrl}/api/scoreboard`).then((response) => response.arrayBuffer());
  const loadStartedAt = new Date().toISOString();
  const phases: PhaseResult[] = [];
  for (const phase of phasesOf(inputs)) {
    checkInterrupted(context.signal);
    const result = await runPhase(stack, phase, inputs, teams, context.signal);
    phases.push(result);
    context.log(
      `  ${phase.pollers} pollers, ${phase.pace ? `${phase.pace}/s each` : 'flat out'}, ${phase.etag ? 'with' : 'without'} ETag: ${grouped(result.requestsPerSecond)} req/s, p50 ${result.latencyP50Ms} ms, p99 ${result.latencyP99Ms} ms, ${result.errors} errors, ${result.scansPerSecond} scans/s`,
    );
    await sleep(2000, context.signal);
  }
  const loadEndedAt = new Date().toISOString();
  await stack.admin('PATCH', 'settings', { paused: true });
  const ended: Round[] = [];
  for (const team of await stack.teams()) {
    for (const round of await stack.rounds(team.slug)) if (round.endedAt && round.endedAt >= loadStartedAt && round.endedAt <= loadEndedAt) ended.push(round);
  }
  const results: ScoreboardLoadResults = {
    teams,
    phases,
    roundsDuringLoad: {
      passed: ended.filter((round) => round.status === 'passed').length,
      failed: ended.filter((round) => round.status === 'failed').length,
      void: ended.filter((round) => round.status === 'void').length,
      medianTimeToCorrectMs: median(ended.map((round) => round.timeToCorrectMs).filter((ms): ms is number => typeof ms === 'number')),
    },
  };
  return { results, rows: scoreboardLoadRows(results, inputs) };
}

function errorText(phase: PhaseResult): string {
  if (phase.errors === 0) return '0 errors';
  const statuses = Object.entries(phase.otherStatuses).map(([status, count]) => `${count}× ${status}`);
  const connection = phase.errors - phase.timeouts - Object.values(phase.otherStatuses).reduce((sum, count) => sum + count, 0);
  const parts = [...(phase.timeouts ? [`${phase.timeouts} timeouts (10 s)`] : []), ...(connection > 0 ? [`${connection} connection errors`] : []), ...statuses];
  return `${phase.errors} errors (${parts.join(', ')})`;
}

export function scoreboardLoadRows(results: ScoreboardLoadResults, inputs: ScoreboardLoadInputs): TableRow[] {
  const cores = os.cpus().length * 100;
  const rows: TableRow[] = results.phases.map((phase) => ({
    measure: `${grouped(phase.pollers)} pollers, ${phase.pace ? `${phase.pace} request/s each` : 'flat out'}, ${phase.etag ? 'with ETag (304s)' : 'no ETag'}`,
    result: `${grouped(phase.requestsPerSecond)} req/s, p50 ${phase.latencyP50Ms} ms, p99 ${phase.latencyP99Ms} ms, ${errorText(phase)}`,
    note: `${phase.scansPerSecond} AggregateTable scans/s (teams ÷ refresh = ${phase.expectedScansPerSecond}/s), ${phase.snapshotBuildsPerSecond} snapshots/s; ${grouped(phase.notModified304)} of ${grouped(phase.ok200 + phase.notModified304)} answers were 304; CPU: web ${phase.cpuPercent.web}% (${phase.webCpuMsPerRequest ?? '—'} ms per answer), autocannon ${phase.cpuPercent.loadGenerator}%, machine ${phase.cpuPercent.machine}% of ${cores}%`,
  }));
  const rounds = results.roundsDuringLoad;
  rows.push({
    measure: `rounds during the load (${results.teams} teams, ${grouped(inputs.roundMessages)} messages)`,
    result: `${rounds.passed} passed, ${rounds.failed} failed, ${rounds.void} void`,
    note: `median time-to-correct ${seconds(rounds.medianTimeToCorrectMs)}: the load generator and the web app share the machine with the pipeline`,
  });
  return rows;
}
