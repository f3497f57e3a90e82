/**
 * `npm run bench`: measures the figures of the benchmark (bench/README.md), each on parts it
 * starts itself (free ports, temporary data), prints one table and writes bench/results.json.
 * Everything it starts is stopped on exit, Ctrl-C and failure.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { wholeNumber, wholeNumberList } from '@/lib/cli-options';
import { errorMessage } from '@/lib/errors';
import { watchForOrphaning } from '@/lib/local/ancestry';
import { killAllProcessesNow, stopAllProcesses } from '@/lib/local/processes';
import type { FigureContext, FigureOutput, FigureRecord } from './figure';
import { type AwsTeamsInputs, awsTeamsFigure } from './figures/aws-teams';
import { type RemoteTeamsInputs, remoteTeamsFigure } from './figures/remote-teams';
import { type RoundTimeInputs, type RoundTimeResults, roundTimeFigure } from './figures/round-time';
import { type ScoreboardLoadInputs, scoreboardLoadFigure } from './figures/scoreboard-load';
import { bestRate, type SdkCeilingInputs, type SdkCeilingResults, sdkCeilingFigure } from './figures/sdk-ceiling';
import { type SendThroughputInputs, sendThroughputFigure } from './figures/send-throughput';
import { type SoakInputs, soakFigure } from './figures/soak';
import { type StalenessInputs, stalenessFigure } from './figures/staleness';
import { FullStack, type WantedTeam } from './full-stack';
import { ROOT } from './local-stack';
import { describeMachine, loadAverage, machineInfo } from './machine';
import { renderTable } from './report';
import { grouped, rounded, seconds } from './stats';

interface Options {
  quick: boolean;
  only?: number[];
  messages: number;
  rounds: number;
  teams: number[];
  soakRounds: number;
  loadSeconds: number;
  pollers: number[];
  changes: number;
  out: string;
  profileRuntime?: string;
  keepLogs: boolean;
  awsTeams: number[];
  awsRounds: number;
  roomTeams: number[];
  roomRounds: number;
  roomMessages: number;
}

const FIGURE_COUNT = 8;

function figureList(value: string): number[] {
  const numbers = wholeNumberList(value);
  const unknown = numbers.filter((number) => number < 1 || number > FIGURE_COUNT);
  if (unknown.length) throw new InvalidArgumentError(`there are figures 1 to ${FIGURE_COUNT} (not ${unknown.join(', ')})`);
  return numbers;
}

const options = new Command()
  .name('npm run bench --')
  .description(
    'Measures round time-to-correct, generator throughput, the SDK ceiling, the scoreboard under load, staleness and a soak, on stacks it starts itself; prints one table and writes bench/results.json',
  )
  .option('--quick', 'figures 1 (one team, Lab 1 only), 2 and 3, in under 3 minutes', false)
  .option('--only <figures>', 'only these figures, e.g. 4,5', figureList)
  .option('--messages <n>', 'messages per round (figures 1, 2, 4, 6, 7)', wholeNumber(), 10_000)
  .option('--rounds <n>', 'figure 1: measured rounds per configuration', wholeNumber(), 3)
  .option('--teams <list>', 'figure 1: team counts', wholeNumberList, [1, 2, 4])
  .option('--soak-rounds <n>', 'figure 6: consecutive rounds per team', wholeNumber(), 60)
  .option('--load-seconds <n>', 'figure 4: seconds of load per poller setting', wholeNumber(), 20)
  .option('--pollers <list>', 'figure 4: concurrent pollers', wholeNumberList, [200, 1000])
  .option('--changes <n>', 'figure 5: AggregateTable changes timed', wholeNumber(), 20)
  .option('--aws-teams <list>', 'figure 7: aws team counts served by one scheduler', wholeNumberList, [10, 50, 100])
  .option('--aws-rounds <n>', 'figure 7: timed rounds per team count', wholeNumber(), 2)
  .option('--room-teams <list>', 'figure 8: remote team counts (a participant stack each, on this machine)', wholeNumberList, [1, 2, 4])
  .option('--room-rounds <n>', 'figure 8: timed rounds measured per team count', wholeNumber(), 2)
  .option('--room-messages <n>', 'figure 8: messages per round (the participant stacks share this machine)', wholeNumber(), 2000)
  .option('--out <file>', 'where the results go', path.join(ROOT, 'bench/results.json'))
  .option('--profile-runtime <dir>', 'figure 1: run the function runtime under node --cpu-prof, profiles into <dir>')
  .option('--keep-logs', 'keep the temporary directory with every process log', false)
  .parse()
  .opts<Options>();

const figures = options.only ?? (options.quick ? [1, 2, 3] : Array.from({ length: FIGURE_COUNT }, (_, index) => index + 1));
const controller = new AbortController();
const workDirectory = mkdtempSync(path.join(os.tmpdir(), 'workshop-bench-'));

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

let stopping = false;
function interrupt(reason: string): void {
  if (stopping) {
    say(`${reason} again: killing everything now`);
    killAllProcessesNow();
    process.exit(130);
  }
  stopping = true;
  say(`\n${reason}: stopping after the current step (again to kill at once)…`);
  controller.abort(reason);
}
process.on('SIGINT', () => interrupt('Ctrl-C'));
process.on('SIGTERM', () => interrupt('SIGTERM'));
process.on('SIGHUP', () => interrupt('SIGHUP'));
process.on('exit', () => killAllProcessesNow());
watchForOrphaning(() => interrupt('the process that started the benchmark went away'));

const roundTimeInputs: RoundTimeInputs = {
  messages: options.messages,
  roundsPerConfiguration: options.rounds,
  teamCounts: options.quick ? [1] : options.teams,
  labs: options.quick ? [1] : [1, 2],
  deadlineSeconds: 30,
  shardCount: 4,
  runtimeNodeOptions: options.profileRuntime ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(options.profileRuntime)}`] : undefined,
};
const sendInputs: SendThroughputInputs = { messages: options.messages, repetitions: 3, shardCount: 4, originalBatchSize: 40 };
const ceilingInputs: SdkCeilingInputs = {
  concurrency: [1, 4, 10, 40],
  secondsPerMeasurement: options.quick ? 3 : 6,
  warmUpCalls: options.quick ? 5_000 : 15_000,
  storageRepetitions: options.quick ? 2 : 4,
};
const loadInputs: ScoreboardLoadInputs = {
  pollers: options.pollers,
  secondsPerPhase: options.loadSeconds,
  roundMessages: options.messages,
  roundIntervalSeconds: 30,
  refreshIntervalSeconds: 1,
};
const stalenessInputs: StalenessInputs = { changes: options.changes, team: 'reference', key: 'PV', step: '1.00' };
const soakInputs: SoakInputs = {
  rounds: options.soakRounds,
  localTeams: ['reference'],
  remoteTeams: 1,
  lab: 2,
  roundMessages: options.messages,
  deadlineSeconds: 30,
  window: 10,
  sampleEveryMs: 2000,
  event: { rounds: 240, messages: 10_000 },
};

const awsTeamsInputs: AwsTeamsInputs = {
  teamCounts: options.awsTeams,
  rounds: options.awsRounds,
  messages: options.messages,
  roundIntervalSeconds: 60,
  deadlineSeconds: 30,
  shardCount: 4,
};

const remoteTeamsInputs: RemoteTeamsInputs = {
  teamCounts: options.roomTeams,
  rounds: options.roomRounds,
  messages: options.roomMessages,
  eventMessages: options.messages,
  roundIntervalSeconds: 60,
  deadlineSeconds: 30,
};

/** The teams of the whole-stack figures: two running the reference solution (the default my-team is removed). */
const STACK_TEAMS: WantedTeam[] = [
  { slug: 'reference', pipeline: 'solution' },
  { slug: 'reference-2', pipeline: 'solution' },
];

/** Figure 6's local team; its remote team is added by the figure with a participant stack. */
const SOAK_TEAMS: WantedTeam[] = soakInputs.localTeams.map((slug) => ({ slug, pipeline: 'solution' }));

const WARM_UP_ROUNDS = 5;

/** Figures 4 and 5 share one `npm start` stack (Lab 1 rounds); figure 6 starts its own, so its memory starts fresh. */
let boardStack: FullStack | null = null;

async function startStack(context: FigureContext, lab: 1 | 2, warmUp: boolean, teams: readonly WantedTeam[] = STACK_TEAMS): Promise<FullStack> {
  context.log('  starting the whole workshop (npm start) on free ports with a fresh data directory…');
  const stack = await FullStack.start({
    workDirectory: context.workDirectory,
    roundMessages: options.messages,
    roundIntervalSeconds: 60,
    roundDeadlineSeconds: 30,
    log: context.log,
  });
  context.log(`  npm start answered after ${seconds(stack.startupMs)}; setting up teams ${teams.map((team) => team.slug).join(', ')}…`);
  await stack.setTeams(teams, lab);
  await stack.settle(context.signal);
  // A fresh DynamoDB Local needs tens of thousands of writes before its JIT has compiled the hot paths
  // (figure 1's first rounds): warm up until a round passes for every team, at most WARM_UP_ROUNDS times.
  for (let round = 1; warmUp && round <= WARM_UP_ROUNDS; round++) {
    const rounds = await stack.warmUp(context.signal);
    context.log(
      `  warm-up round ${round}: ${rounds.map((closed) => `${closed.team} ${closed.status === 'passed' ? seconds(closed.timeToCorrectMs) : closed.status}`).join(', ')}`,
    );
    if (rounds.every((closed) => closed.status === 'passed')) break;
  }
  return stack;
}

async function sharedBoardStack(context: FigureContext): Promise<FullStack> {
  boardStack ??= await startStack(context, 1, true);
  return boardStack;
}

async function withOwnStack<T>(context: FigureContext, lab: 1 | 2, teams: readonly WantedTeam[], work: (stack: FullStack) => Promise<T>): Promise<T> {
  const stack = await startStack(context, lab, false, teams);
  try {
    return await work(stack);
  } finally {
    await stack.stop();
  }
}

interface FigureDefinition {
  title: string;
  inputs: object;
  run: (context: FigureContext) => Promise<FigureOutput>;
}

const definitions: Record<number, FigureDefinition> = {
  1: { title: 'Round time-to-correct, reference solution, local stack', inputs: roundTimeInputs, run: (context) => roundTimeFigure(roundTimeInputs, context) },
  2: { title: 'Generator send throughput into kinesalite', inputs: sendInputs, run: (context) => sendThroughputFigure(sendInputs, context) },
  3: { title: 'SDK ceiling against one DynamoDB Local', inputs: ceilingInputs, run: (context) => sdkCeilingFigure(ceilingInputs, context) },
  4: {
    title: 'Scoreboard under load while rounds run (npm start stack)',
    inputs: { ...loadInputs, teams: STACK_TEAMS },
    run: async (context) => scoreboardLoadFigure(await sharedBoardStack(context), loadInputs, context),
  },
  5: {
    title: 'Staleness: AggregateTable change to API and to the page in Chromium',
    inputs: { ...stalenessInputs, teams: STACK_TEAMS },
    run: async (context) => stalenessFigure(await sharedBoardStack(context), stalenessInputs, context),
  },
  6: {
    title: `Soak: ${options.soakRounds} consecutive rounds for a local and a remote team (npm start stack, a participant stack)`,
    inputs: soakInputs,
    run: (context) => withOwnStack(context, soakInputs.lab, SOAK_TEAMS, (stack) => soakFigure(stack, soakInputs, context)),
  },
  7: {
    title: 'AWS teams at scale: one scheduler against stand-ins (STS, DynamoDB Local, an acknowledging Kinesis)',
    inputs: awsTeamsInputs,
    run: (context) => awsTeamsFigure(awsTeamsInputs, context),
  },
  8: {
    title: "Remote teams (room mode): the organiser's CPU per remote team-round, participant stacks on this machine",
    inputs: remoteTeamsInputs,
    run: async (context) => {
      context.log('  starting the organiser (npm start) on free ports with a fresh data directory…');
      const stack = await FullStack.start({
        workDirectory: context.workDirectory,
        roundMessages: remoteTeamsInputs.messages,
        roundIntervalSeconds: remoteTeamsInputs.roundIntervalSeconds,
        roundDeadlineSeconds: remoteTeamsInputs.deadlineSeconds,
        log: context.log,
      });
      try {
        return await remoteTeamsFigure(stack, remoteTeamsInputs, context);
      } finally {
        await stack.stop();
      }
    },
  },
};

async function runFigure(figure: number): Promise<FigureRecord> {
  const definition = definitions[figure];
  if (!definition) throw new Error(`there is no figure ${figure} (figures: ${Object.keys(definitions).join(', ')})`);
  const startedAt = new Date();
  const start = loadAverage();
  say(`\n▶ Figure ${figure}: ${definition.title} (load average ${start.join(', ')})`);
  const directory = path.join(workDirectory, `figure-${figure}`);
  mkdirSync(directory, { recursive: true });
  const base = { figure, title: definition.title, inputs: definition.inputs as Record<string, unknown>, startedAt: startedAt.toISOString() };
  try {
    const output = await definition.run({ workDirectory: directory, log: say, signal: controller.signal });
    const record = {
      ...base,
      durationMs: Date.now() - startedAt.getTime(),
      loadAverage: { start, end: loadAverage() },
      results: output.results,
      rows: output.rows,
    };
    say(`  done in ${seconds(record.durationMs)}`);
    return record;
  } catch (error) {
    const message = errorMessage(error);
    say(`  figure ${figure} failed: ${message}`);
    return { ...base, durationMs: Date.now() - startedAt.getTime(), loadAverage: { start, end: loadAverage() }, results: null, rows: [], error: message };
  } finally {
    const boardFiguresLeft = figures.slice(figures.indexOf(figure) + 1).some((next) => next === 4 || next === 5);
    if (boardStack && !boardFiguresLeft) {
      await boardStack.stop();
      boardStack = null;
    }
  }
}

/** Figure 1 read against figure 3: how long State's writes of one round take at the SDK ceiling. */
function roundAgainstCeiling(records: FigureRecord[]): FigureRecord['rows'] {
  const rounds = records.find((record) => record.figure === 1 && record.results)?.results as RoundTimeResults | undefined;
  const ceiling = records.find((record) => record.figure === 3 && record.results)?.results as SdkCeilingResults | undefined;
  const single = rounds?.configurations.find((configuration) => configuration.lab === 1 && configuration.teams === 1);
  const best = ceiling ? bestRate(ceiling, 'conditional PutItem') : null;
  if (!single?.medianTimeToCorrectMs || !best) return [];
  const floorMs = (options.messages / best.callsPerSecond) * 1000;
  return [
    {
      measure: 'round vs ceiling (Lab 1, 1 team)',
      result: `${seconds(floorMs)} of ${seconds(single.medianTimeToCorrectMs)} (${rounded((floorMs / single.medianTimeToCorrectMs) * 100, 0)} %)`,
      note: `${grouped(options.messages)} conditional PutItems (State's writes) at the best rate measured (${grouped(best.callsPerSecond)}/s, ${best.inFlight} in flight) against the median time-to-correct`,
    },
  ];
}

async function main(): Promise<void> {
  const machine = machineInfo();
  say(`Benchmark on ${describeMachine(machine)}`);
  say(`Figures ${figures.join(', ')}; logs and data in ${workDirectory}`);
  const startedAt = new Date().toISOString();
  const records: FigureRecord[] = [];
  for (const figure of figures) {
    if (controller.signal.aborted) break;
    records.push(await runFigure(figure));
  }
  const ceilingRecord = records.find((record) => record.figure === 3);
  if (ceilingRecord) ceilingRecord.rows.push(...roundAgainstCeiling(records));
  const output = {
    machine,
    startedAt,
    finishedAt: new Date().toISOString(),
    interrupted: controller.signal.aborted,
    argv: process.argv.slice(2),
    options,
    figures: records,
  };
  mkdirSync(path.dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(output, null, 2)}\n`);
  say(`\n${renderTable(records, machine)}`);
  say(`Results: ${path.relative(process.cwd(), options.out)}`);
  await stopAllProcesses();
  const failed = records.some((record) => record.error);
  if (options.keepLogs || failed) say(`Process logs: ${workDirectory}`);
  else rmSync(workDirectory, { recursive: true, force: true });
  process.exit(failed || controller.signal.aborted ? 1 : 0);
}

main().catch(async (error: unknown) => {
  process.stderr.write(`benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  await stopAllProcesses();
  process.exit(1);
});
