/**
 * `npm start -- --join <organiser URL> --token <token> [--pipeline solution]`: the participant's
 * side of room mode. Asks the organiser who this team is (a refused token stops here), starts only
 * this team's stack on this machine (participant-stack.ts), prints the banner, and runs the agent
 * (lib/agent/) until Ctrl-C; a token refused later stops everything with the same message.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent, joinOrganiser } from '../agent/agent';
import { OrganiserClient } from '../agent/organiser-client';
import type { Hello } from '../agent/protocol';
import { JOIN_TOKEN_PATTERN } from '../auth/join-tokens';
import type { Config } from '../config';
import { errorMessage } from '../errors';
import type { LocalPipeline } from '../store/types';
import { ParticipantStack } from './participant-stack';

export interface JoinArguments {
  organiserUrl: string;
  token: string;
  pipeline: LocalPipeline;
}

/** A command line problem: one sentence saying what to fix. */
export class JoinUsageError extends Error {}

/** Checks `--join`, `--token` and `--pipeline`; throws JoinUsageError saying what to fix. */
export function joinArguments(values: { join?: string; token?: string; pipeline?: string }): JoinArguments {
  const { join, token, pipeline = 'handlers' } = values;
  let url: URL | null = null;
  try {
    url = new URL(join ?? '');
  } catch {
    /* said below */
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new JoinUsageError(`--join needs the organiser's scoreboard URL, such as http://192.168.1.20:3000 (got ${JSON.stringify(join ?? '')})`);
  }
  if (!token) throw new JoinUsageError('--join needs --token <token>: copy the whole join command your organiser gives your team');
  if (!JOIN_TOKEN_PATTERN.test(token)) {
    throw new JoinUsageError(
      '--token is not a join token (wsj_ followed by 43 letters, digits, - or _): copy the whole join command your organiser gives your team',
    );
  }
  if (pipeline !== 'handlers' && pipeline !== 'solution') {
    throw new JoinUsageError(
      `--pipeline is handlers (your code in pipeline/handlers/, the default) or solution (the reference solution), not ${JSON.stringify(pipeline)}`,
    );
  }
  return { organiserUrl: url.origin + url.pathname.replace(/\/+$/, ''), token, pipeline };
}

export interface JoinOptions {
  config: Config;
  root: string;
  args: JoinArguments;
  say: (line: string) => void;
  /** Called with a reason when the stack must stop (a part died, the token was refused). */
  fail: (why: string) => void;
}

function agentVersion(root: string): string {
  try {
    return (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function clock(): string {
  return new Date().toTimeString().slice(0, 8);
}

/** A room-mode participant: organiser client, this team's stack and the agent. */
export class Participant {
  private stack: ParticipantStack | null = null;
  private agent: Agent | null = null;
  private readonly controller = new AbortController();

  constructor(private readonly options: JoinOptions) {}

  /** Joins, starts the stack and the agent; resolves once the banner is printed (the agent keeps running). */
  async start(): Promise<void> {
    const { config, root, args, say } = this.options;
    const client = new OrganiserClient(args.organiserUrl, args.token, { version: agentVersion(root), pipeline: args.pipeline, host: os.hostname() });
    say(`  Joining the workshop at ${args.organiserUrl}…`);
    const hello = await joinOrganiser(client, (line) => say(`  … ${line}`), this.controller.signal);
    say(`  … joined as team ${hello.team.name} (${hello.team.slug})`);
    this.stack = new ParticipantStack({
      config,
      root,
      slug: hello.team.slug,
      pipeline: args.pipeline,
      report: (line) => say(`  … ${line}`),
      onFatal: (why) => this.options.fail(why),
    });
    await this.stack.start();
    const stack = this.stack;
    this.agent = new Agent({
      client,
      hello,
      target: { connection: stack.team.connection, resources: stack.team.resources },
      journalDirectory: path.join(stack.dataDirectory, 'agent'),
      runtimeUrl: stack.runtime.url,
      report: (line) => say(`  ${clock()}  ${line}`),
    });
    say(this.banner(hello, stack));
    this.agent.run().catch((error: unknown) => this.options.fail(errorMessage(error)));
  }

  private banner(hello: Hello, stack: ParticipantStack): string {
    const { root, config, args } = this.options;
    const relative = (directory: string) => path.relative(root, directory) || '.';
    const slug = hello.team.slug;
    const logsCommand = `npm run logs -- --team ${slug} --function state --follow${config.RUNTIME_PORT === 3001 ? '' : ` --url ${stack.runtime.url}`}`;
    const settings = hello.settings;
    const rounds = settings?.roundIntervalSeconds
      ? `every ${settings.roundIntervalSeconds} s, ${(settings.roundMessages ?? 0).toLocaleString('en')} messages, deadline ${settings.roundDeadlineSeconds} s${settings.paused ? ' (paused now)' : ''}: set by the organiser`
      : 'set by the organiser';
    return [
      '',
      `  ▶ Your team's stack is running and has joined the workshop at ${args.organiserUrl}`,
      '',
      `  Team             ${hello.team.name} (${slug})`,
      `  Team page        ${hello.teamPageUrl}   (live table, rounds, diagnosis, function logs)`,
      `  Your code        ${relative(stack.codeDirectory)}/   (saved changes are live within a second or two)`,
      `  Function logs    ${stack.runtime.url}/logs?team=${slug}   or: ${logsCommand}`,
      `  Kinesis          ${stack.kinesisEndpoint} (kinesalite, stream ${stack.team.resources.streamName}, ${config.SHARD_COUNT} shards)`,
      `  DynamoDB Local   ${stack.team.connection.dynamodbEndpoint} (your tables, on disk in ${relative(path.join(stack.dataDirectory, 'teams', slug))}/)`,
      `  Rounds           ${rounds}`,
      `  Process logs     ${relative(stack.logDirectory)}/`,
      '',
      '  Nothing here listens beyond this machine; the agent only connects out to the organiser’s web port.',
      '  Press Ctrl-C to stop everything.',
      '',
    ].join('\n');
  }

  async stop(): Promise<void> {
    this.controller.abort(new Error('stopping'));
    this.agent?.stop();
    await this.stack?.stop();
  }
}
