/**
 * The generator's command line (`npm run generator -- …`): a dry run that writes a round's records
 * and expected totals to files, or ad-hoc rounds against one team (a local team by slug, or
 * explicit AWS or emulator settings) with a live progress bar and a verdict table. Ad-hoc rounds
 * are not recorded in the organiser store. Exit: 0 pass, 1 fail, 2 usage or connection error.
 */
import { SingleBar } from 'cli-progress';
import Table from 'cli-table3';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import type { Connection } from '@/lib/aws/clients';
import { wholeNumber } from '@/lib/cli-options';
import { type Config, readConfig } from '@/lib/config';
import { ConfigError, errorMessage } from '@/lib/errors';
import { DEFAULT_RESOURCES, type PipelineResources } from '@/lib/pipeline-resources';
import { OrganiserStore } from '@/lib/store/organiser-store';
import type { FailurePercentages, Lab } from '@/lib/store/types';
import { writeDryRun } from './dry-run';
import { makeRound } from './messages';
import { randomSeed } from './random';
import { type RoundOutcome, runRound, type TeamTarget } from './round';
import { failurePercentagesFor, isReady } from './scheduler';
import { closedRound } from './scoring';

const EXIT_PASS = 0;
const EXIT_FAIL = 1;
const EXIT_USAGE = 2;

/** A usage or connection problem: one line, exit code 2. */
class UsageError extends Error {}

interface Options {
  dryRun?: boolean;
  out?: string;
  seed?: number;
  lab?: Lab;
  timestamp?: number;
  messages?: number;
  rounds: number;
  deadline?: number;
  team?: string;
  storeEndpoint?: string;
  region?: string;
  roleArn?: string;
  externalId?: string;
  stream?: string;
  aggregateTable?: string;
  parameterTable?: string;
  dynamodbEndpoint?: string;
  kinesisEndpoint?: string;
  failurePercentages: boolean;
  json?: boolean;
}

function lab(text: string): Lab {
  if (text !== '1' && text !== '2') throw new InvalidArgumentError('must be 1 or 2.');
  return Number(text) as Lab;
}

function timestamp(text: string): number {
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds < 0) throw new InvalidArgumentError('must be seconds since the epoch, e.g. 1700000000.5.');
  return seconds;
}

function url(text: string): string {
  try {
    new URL(text);
    return text;
  } catch {
    throw new InvalidArgumentError('must be a URL such as http://127.0.0.1:4567.');
  }
}

function program(): Command {
  return new Command('generator')
    .description("Make and send rounds of trade-risk messages, and judge a team's AggregateTable.")
    .option('--dry-run', 'write the round to files instead of sending it (needs --out)')
    .option('--out <dir>', 'dry run: directory for messages.jsonl and expected.json')
    .option('--seed <n>', 'seed of the (first) round; later rounds use seed+1, seed+2, … (default: random)', wholeNumber(0, 2 ** 32 - 1))
    .option('--lab <lab>', "lab: 1 (new trades only) or 2 (duplicates and modifications) (default: the team's lab, else 1)", lab)
    .option('--timestamp <seconds>', 'dry run: Timestamp of every message (default: the clock), for byte-identical files', timestamp)
    .option('--messages <m>', 'records per round, duplicates included (default: ROUND_MESSAGES, 10000)', wholeNumber(1, 100_000))
    .option('--rounds <n>', 'rounds to run one after another', wholeNumber(1, 1000), 1)
    .option('--deadline <seconds>', 'seconds the pipeline gets after the burst was sent (default: ROUND_DEADLINE_SECONDS, 30)', wholeNumber(1, 900))
    .option('--team <slug>', 'a team in the organiser store (the one `npm start` runs)')
    .option('--store-endpoint <url>', 'organiser store endpoint (default: ORGANISER_STORE_ENDPOINT, else http://127.0.0.1:ORGANISER_STORE_PORT)', url)
    .option('--region <region>', 'AWS region of the team (default: AWS_REGION)')
    .option('--role-arn <arn>', "IAM role to assume in the team's account")
    .option('--external-id <id>', 'external ID for assuming the role')
    .option('--stream <name>', `the team's Kinesis stream (default: ${DEFAULT_RESOURCES.streamName})`)
    .option('--aggregate-table <name>', `the team's AggregateTable (default: ${DEFAULT_RESOURCES.aggregateTable})`)
    .option('--parameter-table <name>', `the team's ParameterTable (default: ${DEFAULT_RESOURCES.parameterTable})`)
    .option('--dynamodb-endpoint <url>', 'DynamoDB endpoint of an emulator', url)
    .option('--kinesis-endpoint <url>', 'Kinesis endpoint of an emulator', url)
    .option('--no-failure-percentages', "leave the ParameterTable alone (by default each round writes its lab's failure percentages)")
    .option('--json', "print each round's result as one JSON line instead of a table")
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
}

function readEnvironment(): Config {
  try {
    return readConfig();
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}

interface ResolvedTeam {
  label: string;
  target: TeamTarget;
  lab: Lab;
  failurePercentages: FailurePercentages;
}

async function teamFromStore(options: Options, config: Config): Promise<ResolvedTeam> {
  const endpoint = options.storeEndpoint ?? config.ORGANISER_STORE_ENDPOINT ?? `http://127.0.0.1:${config.ORGANISER_STORE_PORT}`;
  const store = new OrganiserStore({ region: config.AWS_REGION, dynamodbEndpoint: endpoint }, config.ORGANISER_TABLE, {
    roundIntervalSeconds: config.ROUND_INTERVAL_SECONDS,
    roundMessages: config.ROUND_MESSAGES,
    roundDeadlineSeconds: config.ROUND_DEADLINE_SECONDS,
  });
  let team;
  try {
    team = await store.getTeam(options.team!);
  } catch (error) {
    throw new UsageError(`cannot read the organiser store at ${endpoint} (is \`npm start\` running?): ${errorMessage(error)}`);
  }
  if (!team) throw new UsageError(`no team "${options.team}" in the organiser store at ${endpoint}`);
  if (!isReady(team)) throw new UsageError(`team "${team.slug}" is not ready: its local pipeline is ${team.local?.status ?? 'not set up'}`);
  const lab = options.lab ?? team.labOverride ?? team.lab;
  return { label: team.slug, target: { connection: team.connection, resources: team.resources }, lab, failurePercentages: failurePercentagesFor(team, lab) };
}

function teamFromSettings(options: Options, config: Config): ResolvedTeam {
  const connection: Connection = {
    region: options.region ?? config.AWS_REGION,
    roleArn: options.roleArn,
    externalId: options.externalId,
    dynamodbEndpoint: options.dynamodbEndpoint,
    kinesisEndpoint: options.kinesisEndpoint,
  };
  const resources: PipelineResources = {
    ...DEFAULT_RESOURCES,
    streamName: options.stream ?? DEFAULT_RESOURCES.streamName,
    aggregateTable: options.aggregateTable ?? DEFAULT_RESOURCES.aggregateTable,
    parameterTable: options.parameterTable ?? DEFAULT_RESOURCES.parameterTable,
  };
  const lab = options.lab ?? 1;
  return { label: resources.streamName, target: { connection, resources }, lab, failurePercentages: failurePercentagesFor({ failurePercentages: null }, lab) };
}

const EXPLICIT_SETTINGS = ['region', 'roleArn', 'externalId', 'stream', 'aggregateTable', 'parameterTable', 'dynamodbEndpoint', 'kinesisEndpoint'] as const;

async function dryRun(options: Options, config: Config): Promise<number> {
  if (!options.out) throw new UsageError('--dry-run needs --out <dir>');
  const seed = options.seed ?? randomSeed();
  const lab = options.lab ?? 1;
  const fixedTimestamp = options.timestamp;
  const now = fixedTimestamp === undefined ? undefined : () => fixedTimestamp * 1000;
  const round = makeRound({ seed, lab, messages: options.messages ?? config.ROUND_MESSAGES, now });
  const files = await writeDryRun(round, options.out);
  console.log(
    `seed ${seed}, lab ${lab}: ${round.counts.messages} records (${round.counts.new} new, ${round.counts.modifiedInOrder} modified in order, ${round.counts.modifiedOutOfOrder} out of order, ${round.counts.duplicates} duplicates)`,
  );
  console.log(`wrote ${files.messages} and ${files.expected}`);
  return EXIT_PASS;
}

function verdictTable(outcome: RoundOutcome): string {
  const table = new Table({ head: ['key', 'expected', 'actual', 'delta', ''], colAligns: ['left', 'right', 'right', 'right', 'left'] });
  for (const key of outcome.verdict?.keys ?? []) table.push([key.key, key.expected, key.actual, key.delta, key.matches ? 'ok' : '✗']);
  return table.toString();
}

function progressBar(enabled: boolean): SingleBar | null {
  if (!enabled) return null;
  return new SingleBar({ format: '{phase} |{bar}| {detail}', hideCursor: true, clearOnComplete: true, stream: process.stderr });
}

async function runRounds(options: Options, config: Config): Promise<number> {
  const team = options.team ? await teamFromStore(options, config) : teamFromSettings(options, config);
  const firstSeed = options.seed ?? randomSeed();
  const messages = options.messages ?? config.ROUND_MESSAGES;
  const deadlineSeconds = options.deadline ?? config.ROUND_DEADLINE_SECONDS;
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort('stopped with Ctrl-C'));
  let exitCode = EXIT_PASS;

  for (let index = 0; index < options.rounds && !controller.signal.aborted; index++) {
    const seed = (firstSeed + index) % 2 ** 32;
    const label = `round ${index + 1}/${options.rounds}`;
    const bar = progressBar(!options.json && process.stderr.isTTY === true);
    bar?.start(messages, 0, { phase: `${label} sending `, detail: `0/${messages} records acknowledged` });
    const startedAt = new Date().toISOString();
    const outcome = await runRound(
      team.target,
      { seed, lab: team.lab, messages, deadlineSeconds, failurePercentages: options.failurePercentages ? team.failurePercentages : undefined },
      {
        signal: controller.signal,
        onSendProgress: (acknowledged, total) => bar?.update(acknowledged, { detail: `${acknowledged}/${total} records acknowledged` }),
        onProgress: (fields) => {
          if (fields.sentAt) bar?.start(deadlineSeconds * 10, 0, { phase: `${label} waiting `, detail: 'for the pipeline' });
        },
        onPoll: (verdict, sinceSendStartMs) => {
          const matching = verdict.keys.filter((key) => key.matches).length;
          bar?.update(Math.min(deadlineSeconds * 10, Math.round(sinceSendStartMs / 100)), {
            detail: `${matching}/18 keys match after ${(sinceSendStartMs / 1000).toFixed(1)} s`,
          });
        },
      },
    );
    bar?.stop();
    if (options.json) {
      console.log(JSON.stringify(closedRound({ team: team.label, number: index + 1, startedAt }, outcome)));
    } else {
      console.log(`${label} against ${team.label}, seed ${seed}, lab ${team.lab}: ${outcome.counts.messages} records`);
      if (outcome.verdict) console.log(verdictTable(outcome));
      console.log(resultLine(outcome));
    }
    if (outcome.status === 'void') return EXIT_USAGE;
    if (outcome.status === 'failed') exitCode = EXIT_FAIL;
  }
  return exitCode;
}

function resultLine(outcome: RoundOutcome): string {
  if (outcome.status === 'passed') return `PASSED: correct ${((outcome.timeToCorrectMs ?? 0) / 1000).toFixed(1)} s after sending started`;
  if (outcome.status === 'void') return `VOID: ${outcome.voidReason}`;
  const diagnosis = outcome.diagnosis;
  return `FAILED (${diagnosis?.code ?? 'unknown'}${diagnosis?.labStep ? `, ${diagnosis.labStep}` : ''}): ${diagnosis?.message ?? ''}`;
}

async function main(argv: string[]): Promise<number> {
  const command = program();
  try {
    command.parse(argv);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_PASS : EXIT_USAGE;
    throw error;
  }
  const options = command.opts<Options>();
  try {
    const config = readEnvironment();
    if (options.dryRun) return await dryRun(options, config);
    if (options.out || options.timestamp !== undefined) throw new UsageError('--out and --timestamp are for --dry-run only');
    if (options.team && EXPLICIT_SETTINGS.some((name) => options[name] !== undefined)) {
      throw new UsageError('give either --team <slug> or explicit settings (--stream, --region, …), not both');
    }
    if (!options.team && !EXPLICIT_SETTINGS.some((name) => options[name] !== undefined)) {
      throw new UsageError('say which team to send to: --team <slug>, or explicit settings such as --region and --stream (or --dry-run --out <dir>)');
    }
    return await runRounds(options, config);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`generator: ${error.message}`);
      return EXIT_USAGE;
    }
    console.error(`generator: ${errorMessage(error)}`);
    return EXIT_USAGE;
  }
}

process.exitCode = await main(process.argv);
