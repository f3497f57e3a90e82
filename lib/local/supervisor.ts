/**
 * The local workshop supervisor: starts and owns every part of the stack — organiser store, Kinesis
 * emulator, function runtime, each local team's resources, the round scheduler and the web app —
 * waits for each to be healthy, keeps local teams in line with the organiser store, measures what
 * the local teams' stack costs per message (capacity-meter.ts), restarts a part that crashes, and
 * stops everything on the way out.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import { errorMessage } from '../errors';
import { OrganiserStore } from '../store/organiser-store';
import { DEFAULT_LOCAL_TEAMS, newLocalTeam } from '../store/team-records';
import type { LocalPipeline } from '../store/types';
import { CapacityMeter } from './capacity-meter';
import { type Emulator, LOCAL_REGION, startDynamoDbLocal, startKinesisEmulator, waitUntilReady } from './emulators';
import { LocalTeamManager } from './local-teams';
import { type ChildEnvironment, type ManagedProcess, startNodeModule, startProcess, stopAllProcesses } from './processes';
import type { RuntimeChannel } from './runtime-channel';
import { httpOk, startRuntimeProcess } from './runtime-process';
import { buildIsCurrent, markBuildCurrent, sourceFingerprint } from './web-build';

const RECONCILE_INTERVAL_MS = 1000;
const RESTART_DELAY_MS = 2000;

export interface SupervisorOptions {
  config: Config;
  /** Repository root. */
  root: string;
  organiserSecret: string;
  /** Progress lines for the terminal. */
  report: (line: string) => void;
}

/** Where the parts of a running stack can be reached, for the banner. */
export interface StackAddresses {
  webUrl: string;
  organiserStoreEndpoint: string;
  kinesisEndpoint: string;
  runtimeUrl: string;
  dataDirectory: string;
  logDirectory: string;
}

/** A part that failed to start, with what it printed. */
export class StartupError extends Error {}

export class Supervisor {
  readonly addresses: StackAddresses;
  private readonly dataDirectory: string;
  private readonly logDirectory: string;
  private store!: OrganiserStore;
  private teams!: LocalTeamManager;
  private runtime: ManagedProcess | null = null;
  private scheduler: ManagedProcess | null = null;
  private web: ManagedProcess | null = null;
  private capacityMeter: CapacityMeter | null = null;
  private reconcileTimer: NodeJS.Timeout | null = null;
  private stopping = false;

  constructor(private readonly options: SupervisorOptions) {
    const { config, root } = options;
    this.dataDirectory = path.resolve(root, config.WORKSHOP_DATA_DIR);
    this.logDirectory = path.join(this.dataDirectory, 'logs');
    this.addresses = {
      webUrl: `http://localhost:${config.PORT}`,
      organiserStoreEndpoint: `http://127.0.0.1:${config.ORGANISER_STORE_PORT}`,
      kinesisEndpoint: `http://127.0.0.1:${config.KINESIS_PORT}`,
      runtimeUrl: `http://127.0.0.1:${config.RUNTIME_PORT}`,
      dataDirectory: this.dataDirectory,
      logDirectory: this.logDirectory,
    };
  }

  private get local(): boolean {
    return this.options.config.WORKSHOP_MODE === 'local';
  }

  /**
   * The environment of the web app and the scheduler, the two children that know the organiser's
   * secret: the host's (in AWS mode they need its credentials) and the workshop's settings. Every
   * other child gets only what it needs (see basicEnvironment in processes.ts).
   */
  private organiserEnvironment(): ChildEnvironment {
    const { config } = this.options;
    return {
      ...process.env,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      WORKSHOP_MODE: config.WORKSHOP_MODE,
      ...(this.local ? { AWS_REGION: LOCAL_REGION, ORGANISER_STORE_ENDPOINT: this.addresses.organiserStoreEndpoint } : { AWS_REGION: config.AWS_REGION }),
      ORGANISER_TABLE: config.ORGANISER_TABLE,
      ORGANISER_SECRET: this.options.organiserSecret,
      RUNTIME_URL: this.addresses.runtimeUrl,
      ROUND_INTERVAL_SECONDS: String(config.ROUND_INTERVAL_SECONDS),
      ROUND_MESSAGES: String(config.ROUND_MESSAGES),
      ROUND_DEADLINE_SECONDS: String(config.ROUND_DEADLINE_SECONDS),
      PORT: String(config.PORT),
    };
  }

  private logFile(name: string): string {
    return path.join(this.logDirectory, `${name}.log`);
  }

  private codeDirectoryOf(pipeline: LocalPipeline): string {
    return path.join(this.options.root, 'pipeline', pipeline);
  }

  /** Starts everything; throws StartupError (after stopping what started) if a part fails. */
  async start(): Promise<void> {
    mkdirSync(this.logDirectory, { recursive: true });
    try {
      const build = this.buildWebApp();
      if (this.local) await this.startLocalParts();
      else await this.openStore();
      this.options.report('starting the round scheduler…');
      this.scheduler = this.startScheduler();
      await build;
      this.options.report('starting the web app…');
      this.web = await this.startWebApp();
      if (this.local) this.reconcileTimer = setInterval(() => void this.reconcileTeams(), RECONCILE_INTERVAL_MS);
    } catch (error) {
      await this.stop();
      throw error instanceof StartupError ? error : new StartupError(errorMessage(error));
    }
  }

  /** Local mode: organiser store and Kinesis emulators, the function runtime and the local teams. */
  private async startLocalParts(): Promise<void> {
    const { config, report } = this.options;
    report('starting the organiser store and the Kinesis emulator…');
    const [organiserDb, kinesis] = await Promise.all([
      startDynamoDbLocal('organiser-store', {
        port: config.ORGANISER_STORE_PORT,
        dataDirectory: mkdirp(path.join(this.dataDirectory, 'organiser')),
        logFile: this.logFile('organiser-store'),
        maxHeap: '256m',
      }),
      startKinesisEmulator('kinesis', {
        port: config.KINESIS_PORT,
        logFile: this.logFile('kinesis'),
        dataDirectory: path.join(this.dataDirectory, 'kinesis'),
      }),
    ]);
    this.watchCritical(organiserDb, 'the organiser store (DynamoDB Local)');
    this.watchCritical(kinesis, 'the Kinesis emulator');
    await this.openStore();

    report('starting the function runtime…');
    const runtimeChannel = await this.startRuntime();
    this.teams = new LocalTeamManager({
      store: this.store,
      runtime: runtimeChannel,
      kinesisEndpoint: kinesis.endpoint,
      shardCount: config.SHARD_COUNT,
      portBase: config.TEAM_PORT_BASE,
      reservedPorts: [config.PORT, config.KINESIS_PORT, config.ORGANISER_STORE_PORT, config.RUNTIME_PORT, config.AGENT_STREAM_PORT],
      logDirectory: this.logDirectory,
      tablesDirectory: path.join(this.dataDirectory, 'teams'),
      codeDirectoryOf: (pipeline) => this.codeDirectoryOf(pipeline),
    });
    report('starting each team’s DynamoDB Local and stream…');
    await this.teams.reconcile(await this.store.listTeams());
    this.capacityMeter = new CapacityMeter({
      store: this.store,
      runtimeUrl: this.addresses.runtimeUrl,
      processes: () => [this.runtime?.pid, kinesis.process.pid, ...this.teams.processIds()],
    });
    this.capacityMeter.start();
  }

  /** The local teams running now (for the banner). */
  localTeams() {
    return this.teams?.summaries() ?? [];
  }

  private async openStore(): Promise<void> {
    const { config } = this.options;
    const connection = this.local
      ? { region: LOCAL_REGION, dynamodbEndpoint: this.addresses.organiserStoreEndpoint }
      : { region: config.AWS_REGION, dynamodbEndpoint: config.ORGANISER_STORE_ENDPOINT };
    this.store = new OrganiserStore(connection, config.ORGANISER_TABLE, {
      roundIntervalSeconds: config.ROUND_INTERVAL_SECONDS,
      roundMessages: config.ROUND_MESSAGES,
      roundDeadlineSeconds: config.ROUND_DEADLINE_SECONDS,
    });
    await this.store.ensureTable();
    if (this.local && (await this.store.claimFirstStart())) {
      for (const team of DEFAULT_LOCAL_TEAMS) {
        await this.store.createTeam(newLocalTeam(team.slug, team.name, team.pipeline, LOCAL_REGION));
      }
    }
  }

  private async buildWebApp(): Promise<void> {
    const { root, report } = this.options;
    if (buildIsCurrent(root)) return;
    const fingerprint = sourceFingerprint(root);
    report('building the web app (first start, or its sources changed; this takes a minute)…');
    const build = startProcess('web-build', process.execPath, [nextBin(root), 'build'], {
      cwd: root,
      env: { ...process.env, ORGANISER_SECRET: undefined, NEXT_TELEMETRY_DISABLED: '1' },
      logFile: this.logFile('web-build'),
    });
    const exit = await build.exited;
    if (exit.code !== 0) {
      throw new StartupError(`the web app build failed (see ${this.logFile('web-build')}):\n${build.recentOutput()}`);
    }
    markBuildCurrent(root, fingerprint);
  }

  private async startRuntime(): Promise<RuntimeChannel> {
    const { config, root } = this.options;
    const { process: runtime, channel } = await startRuntimeProcess(root, config.RUNTIME_PORT, this.logFile('runtime'));
    this.runtime = runtime;
    void runtime.exited.then((exit) => {
      if (this.stopping) return;
      this.options.report(`the function runtime exited (code ${exit.code}); restarting it (see ${this.logFile('runtime')})`);
      setTimeout(() => void this.restartRuntime(), RESTART_DELAY_MS);
    });
    return channel;
  }

  private async restartRuntime(): Promise<void> {
    if (this.stopping) return;
    try {
      await this.teams.attachRuntime(await this.startRuntime());
    } catch (error) {
      this.options.report(`the function runtime could not be restarted: ${errorMessage(error)}`);
      await this.fail();
    }
  }

  private startScheduler(): ManagedProcess {
    const { root } = this.options;
    const scheduler = startNodeModule('scheduler', path.join(root, 'generator/scheduler-main.ts'), [], {
      cwd: root,
      env: this.organiserEnvironment(),
      ipc: true,
      logFile: this.logFile('scheduler'),
    });
    void scheduler.exited.then((exit) => {
      if (this.stopping) return;
      this.options.report(`the round scheduler exited (code ${exit.code}); restarting it (see ${this.logFile('scheduler')})`);
      setTimeout(() => {
        if (!this.stopping) this.scheduler = this.startScheduler();
      }, RESTART_DELAY_MS);
    });
    return scheduler;
  }

  /** The web app: Next.js behind our own server (lib/web/main.ts), the one part listening beyond loopback. */
  private async startWebApp(): Promise<ManagedProcess> {
    const { config, root } = this.options;
    const web = startNodeModule('web', path.join(root, 'lib/web/main.ts'), [], {
      cwd: root,
      env: { ...this.organiserEnvironment(), NEXT_TELEMETRY_DISABLED: '1' },
      logFile: this.logFile('web'),
    });
    await waitUntilReady({ process: web }, () => httpOk(`http://127.0.0.1:${config.PORT}/`), `the web app (port ${config.PORT})`, 90_000);
    void web.exited.then((exit) => {
      if (this.stopping) return;
      this.options.report(`the web app exited (code ${exit.code}); restarting it (see ${this.logFile('web')})`);
      setTimeout(() => {
        if (this.stopping) return;
        this.startWebApp().then(
          (restarted) => (this.web = restarted),
          () => this.fail(),
        );
      }, RESTART_DELAY_MS);
    });
    return web;
  }

  private watchCritical(emulator: Emulator, what: string): void {
    void emulator.process.exited.then((exit) => {
      if (this.stopping) return;
      this.options.report(`${what} exited (code ${exit.code}); stopping the workshop:\n${emulator.process.recentOutput()}`);
      void this.fail();
    });
  }

  private async reconcileTeams(): Promise<void> {
    try {
      await this.teams.reconcile(await this.store.listTeams());
    } catch (error) {
      if (!this.stopping) this.options.report(`could not sync local teams with the organiser store: ${errorMessage(error)}`);
    }
  }

  /** A part died that we cannot run without: stop everything and exit non-zero. */
  private async fail(): Promise<void> {
    await this.stop();
    process.exit(1);
  }

  /** Stops every part: web app and scheduler first, then runtime and teams, emulators last. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.reconcileTimer) clearInterval(this.reconcileTimer);
    this.capacityMeter?.stop();
    await Promise.all([this.web?.stop(), this.scheduler?.stop(10_000)]);
    await this.runtime?.stop();
    await this.teams?.stopAll();
    await stopAllProcesses();
  }
}

function nextBin(root: string): string {
  return path.join(root, 'node_modules', 'next', 'dist', 'bin', 'next');
}

function mkdirp(directory: string): string {
  mkdirSync(directory, { recursive: true });
  return directory;
}
