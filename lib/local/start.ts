/**
 * `npm start`: checks prerequisites and ports, starts the whole local workshop under the supervisor,
 * prints one banner, and stops every part on Ctrl-C, SIGTERM, SIGHUP, a crash, or when the process
 * that started us goes away. `npm start -- --join <organiser URL> --token <token>` starts instead
 * only this team's stack and the agent that joins the organiser's game (room mode, see join.ts).
 */

import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { credentialExpiryWarning, organiserCredentialExpiry } from '@/lib/aws/credential-expiry';
import { lanAddresses } from '../api/organiser-url';
import { type Config, readConfig } from '../config';
import { ConfigError, errorMessage } from '../errors';
import { watchForOrphaning } from './ancestry';
import { type JoinArguments, JoinUsageError, joinArguments, Participant } from './join';
import { isPortFree } from './ports';
import { prerequisiteProblems } from './prerequisites';
import { killAllProcessesNow } from './processes';
import { StartupError, Supervisor } from './supervisor';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function fatal(message: string, code = 1): never {
  process.stderr.write(`\n✖ ${message}\n`);
  process.exit(code);
}

async function portProblems(config: Config, joining: boolean): Promise<string[]> {
  const ports: Array<[number, string]> = joining ? [] : [[config.PORT, 'PORT']];
  if (!joining && config.AGENT_STREAM_PORT > 0) ports.push([config.AGENT_STREAM_PORT, 'AGENT_STREAM_PORT']);
  if (joining) {
    ports.push([config.KINESIS_PORT, 'KINESIS_PORT'], [config.RUNTIME_PORT, 'RUNTIME_PORT']);
  } else if (config.WORKSHOP_MODE === 'local') {
    ports.push([config.KINESIS_PORT, 'KINESIS_PORT'], [config.ORGANISER_STORE_PORT, 'ORGANISER_STORE_PORT'], [config.RUNTIME_PORT, 'RUNTIME_PORT']);
  }
  const problems: string[] = [];
  for (const [port, variable] of ports) {
    if (!(await isPortFree(port))) {
      problems.push(`port ${port} (${variable}) is already in use: stop what uses it (is another workshop running?) or choose another with ${variable}=…`);
    }
  }
  return problems;
}

function banner(supervisor: Supervisor, config: Config, secret: string, secretGenerated: boolean): string {
  const { addresses } = supervisor;
  const lan = lanAddresses().map((address) => `http://${address}:${config.PORT}`);
  const teams = supervisor.localTeams();
  const width = Math.max(...teams.map((team) => team.slug.length), 8);
  const head = [
    '',
    '  ▶ The stream aggregation workshop is running',
    '',
    `  Scoreboard       ${addresses.webUrl}${lan.length ? `   (participants on your network: ${lan.join(', ')})` : ''}`,
    `  Organiser        ${addresses.webUrl}/admin   secret: ${secret}${secretGenerated ? '   (generated for this run; set ORGANISER_SECRET to choose one)' : ''}`,
  ];
  const rounds = `  Rounds           every ${config.ROUND_INTERVAL_SECONDS} s, ${config.ROUND_MESSAGES.toLocaleString('en')} messages, deadline ${config.ROUND_DEADLINE_SECONDS} s (change them in /admin)`;
  const tail = [`  Process logs     ${path.relative(root, addresses.logDirectory)}/`, '', '  Press Ctrl-C to stop everything.', ''];
  if (config.WORKSHOP_MODE === 'aws') {
    return [
      ...head,
      `  Organiser store  DynamoDB table ${config.ORGANISER_TABLE} in ${config.AWS_REGION}${config.ORGANISER_STORE_ENDPOINT ? ` at ${config.ORGANISER_STORE_ENDPOINT}` : ''}`,
      '  Teams            AWS stacks, added in /admin (region, role ARN, external id)',
      rounds,
      ...tail,
    ].join('\n');
  }
  const data = path.relative(root, addresses.dataDirectory) || '.';
  const lines = [
    ...head,
    '  Teams',
    ...teams.map(
      (team) => `    ${team.slug.padEnd(width)}  code: pipeline/${team.pipeline}/   DynamoDB Local: ${team.dynamodbEndpoint}   stream: ${team.streamName}`,
    ),
    `  Kinesis          ${addresses.kinesisEndpoint} (kinesalite, ${config.SHARD_COUNT} shards per team stream, records in ${data}/kinesis)`,
    `  Organiser store  ${addresses.organiserStoreEndpoint} (DynamoDB Local, data in ${data}/organiser)`,
    `  Function logs    ${addresses.runtimeUrl}/logs   or: npm run logs -- --team my-team --function state --follow`,
    rounds,
    ...tail,
  ];
  return lines.join('\n');
}

/** The command line: nothing, or `--join <url> --token <token> [--pipeline handlers|solution]`. */
function commandLine(): JoinArguments | null {
  let values: { join?: string; token?: string; pipeline?: string };
  try {
    ({ values } = parseArgs({
      options: { join: { type: 'string' }, token: { type: 'string' }, pipeline: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    fatal(`${errorMessage(error)}\n  usage: npm start   or   npm start -- --join <organiser URL> --token <token> [--pipeline solution]`, 2);
  }
  if (values.join === undefined && values.token === undefined && values.pipeline === undefined) return null;
  if (values.join === undefined) fatal('--token and --pipeline go with --join <organiser URL>: copy the whole join command your organiser gives your team', 2);
  try {
    return joinArguments(values);
  } catch (error) {
    if (error instanceof JoinUsageError) fatal(error.message, 2);
    throw error;
  }
}

/** Stops everything (`stop`) on a signal, when orphaned, or on a crash, then exits. Returns the way to ask for it. */
function stopOnExit(stop: () => Promise<void>, what: string): (reason: string, code: number) => void {
  let exiting = false;
  const shutdown = (reason: string, code: number) => {
    if (exiting) return;
    exiting = true;
    say(`\n  ${reason}: stopping every part of ${what}…`);
    const forced = setTimeout(() => {
      killAllProcessesNow();
      process.exit(code);
    }, 20_000);
    void stop().finally(() => {
      clearTimeout(forced);
      say('  stopped.');
      process.exit(code);
    });
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => shutdown(`received ${signal}`, signal === 'SIGINT' ? 0 : 1));
  watchForOrphaning(() => shutdown(`the process that started ${what} went away`, 1));
  process.on('uncaughtException', (error) => {
    process.stderr.write(`unexpected error: ${error.stack ?? error.message}\n`);
    shutdown('the supervisor crashed', 1);
  });
  process.on('exit', () => killAllProcessesNow());
  return shutdown;
}

async function join(config: Config, args: JoinArguments): Promise<void> {
  const problems = [...prerequisiteProblems(), ...(await portProblems(config, true))];
  if (problems.length) fatal(problems.join('\n✖ '));
  let failed = false;
  const fail = (why: string) => {
    if (failed) return;
    failed = true;
    process.stderr.write(`\n✖ ${why}\n`);
    shutdown('a part of the stack cannot go on', 1);
  };
  const participant = new Participant({ config, root, args, say, fail });
  const shutdown = stopOnExit(() => participant.stop(), "your team's stack");
  try {
    await participant.start();
  } catch (error) {
    if (!failed) fail(`your team's stack could not start: ${errorMessage(error)}`);
  }
}

async function main(): Promise<void> {
  const joining = commandLine();
  let config: Config;
  try {
    config = readConfig();
  } catch (error) {
    if (error instanceof ConfigError) fatal(error.message, 2);
    throw error;
  }
  if (joining) return join(config, joining);
  const problems = [...(config.WORKSHOP_MODE === 'local' ? prerequisiteProblems() : []), ...(await portProblems(config, false))];
  if (problems.length) fatal(problems.join('\n✖ '));

  const secretGenerated = !config.ORGANISER_SECRET;
  const secret = config.ORGANISER_SECRET ?? randomBytes(12).toString('base64url');
  const supervisor = new Supervisor({ config, root, organiserSecret: secret, report: (line) => say(`  … ${line}`) });
  stopOnExit(() => supervisor.stop(), 'the workshop');

  say('  Starting the stream aggregation workshop…');
  try {
    await supervisor.start();
  } catch (error) {
    if (error instanceof StartupError) fatal(`the workshop could not start: ${error.message}`);
    throw error;
  }
  say(banner(supervisor, config, secret, secretGenerated));
  if (config.WORKSHOP_MODE === 'aws') {
    const now = new Date();
    const warning = credentialExpiryWarning(await organiserCredentialExpiry(), { startedAt: now, hours: config.EVENT_HOURS }, now);
    if (warning) say(`  ⚠ Warning: ${warning}\n`);
  }
}

void main();
