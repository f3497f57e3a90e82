/**
 * The participant's side of room mode (`npm start -- --join`): only this team's stack, on this
 * machine and listening on 127.0.0.1 only — kinesalite with the team's stream, the team's own
 * DynamoDB Local (tables on disk as scratch data), and the function runtime running the team's code
 * with hot reload and logs. The agent (lib/agent/) connects it to the organiser. A crashed runtime
 * is restarted; a crashed emulator stops the stack (`onFatal`).
 */
import path from 'node:path';
import type { Config } from '../config';
import { errorMessage } from '../errors';
import type { LocalPipeline } from '../store/types';
import { startKinesisEmulator } from './emulators';
import { isPortFree } from './ports';
import { stopAllProcesses } from './processes';
import { type RuntimeProcess, startRuntimeProcess } from './runtime-process';
import { type LocalTeamStack, startLocalTeam } from './team-stack';

const RESTART_DELAY_MS = 2000;

export interface ParticipantStackOptions {
  config: Config;
  /** Repository root. */
  root: string;
  slug: string;
  pipeline: LocalPipeline;
  report: (line: string) => void;
  /** A part died that the stack cannot run without. */
  onFatal: (why: string) => void;
}

export class ParticipantStack {
  readonly dataDirectory: string;
  readonly logDirectory: string;
  readonly codeDirectory: string;
  team!: LocalTeamStack;
  runtime!: RuntimeProcess;
  kinesisEndpoint = '';
  private stopping = false;

  constructor(private readonly options: ParticipantStackOptions) {
    this.dataDirectory = path.resolve(options.root, options.config.WORKSHOP_DATA_DIR);
    this.logDirectory = path.join(this.dataDirectory, 'logs');
    this.codeDirectory = path.join(options.root, 'pipeline', options.pipeline);
  }

  private logFile(name: string): string {
    return path.join(this.logDirectory, `${name}.log`);
  }

  /** Starts every part; on failure stops what started and throws. */
  async start(): Promise<void> {
    const { config, report, slug } = this.options;
    try {
      report('starting the Kinesis emulator and your DynamoDB Local…');
      const [kinesis, port] = await Promise.all([
        startKinesisEmulator('kinesis', {
          port: config.KINESIS_PORT,
          logFile: this.logFile('kinesis'),
          dataDirectory: path.join(this.dataDirectory, 'kinesis'),
        }),
        firstFreePort(config.TEAM_PORT_BASE, [config.KINESIS_PORT, config.RUNTIME_PORT]),
      ]);
      this.kinesisEndpoint = kinesis.endpoint;
      this.watch(kinesis.process.exited, 'the Kinesis emulator');
      this.team = await startLocalTeam({
        slug,
        port,
        kinesisEndpoint: kinesis.endpoint,
        shardCount: config.SHARD_COUNT,
        logFile: this.logFile(`dynamodb-${slug}`),
        scratchDirectory: path.join(this.dataDirectory, 'teams', slug),
      });
      this.watch(this.team.dynamodb.process.exited, 'your DynamoDB Local');
      report('starting the function runtime…');
      await this.startRuntime();
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  private async startRuntime(): Promise<void> {
    const { config, slug } = this.options;
    this.runtime = await startRuntimeProcess(this.options.root, config.RUNTIME_PORT, this.logFile('runtime'));
    await this.runtime.channel.upsertTeam({ slug, connection: this.team.connection, resources: this.team.resources, codeDirectory: this.codeDirectory });
    void this.runtime.process.exited.then((exit) => {
      if (this.stopping) return;
      this.options.report(`the function runtime exited (code ${exit.code}); restarting it (see ${this.logFile('runtime')})`);
      setTimeout(() => {
        if (this.stopping) return;
        this.startRuntime().catch((error: unknown) => this.options.onFatal(`the function runtime could not be restarted: ${errorMessage(error)}`));
      }, RESTART_DELAY_MS);
    });
  }

  private watch(exited: Promise<{ code: number | null }>, what: string): void {
    void exited.then((exit) => {
      if (!this.stopping) this.options.onFatal(`${what} exited (code ${exit.code}); see ${this.logDirectory}/`);
    });
  }

  /** Stops the runtime first, then the team's DynamoDB Local and kinesalite. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await this.runtime?.process.stop();
    await this.team?.stop();
    await stopAllProcesses();
  }
}

/** The first free port from `base` upwards, skipping `reserved`. */
async function firstFreePort(base: number, reserved: number[]): Promise<number> {
  for (let port = base; port < base + 1000 && port <= 65535; port++) {
    if (!reserved.includes(port) && (await isPortFree(port))) return port;
  }
  throw new Error(`no free port for DynamoDB Local from ${base} upwards (set TEAM_PORT_BASE)`);
}
