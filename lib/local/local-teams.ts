/**
 * Keeps local teams' resources in line with the organiser store: each local team gets its own
 * DynamoDB Local (fresh tables) and Kinesis stream, registered with the function runtime. Teams
 * added, removed or reset in the store are started, stopped or restarted; work on one team is
 * serialised, different teams proceed independently.
 */
import path from 'node:path';
import { errorMessage } from '../errors';
import type { OrganiserStore } from '../store/organiser-store';
import type { LocalPipeline, Team } from '../store/types';
import { isPortFree } from './ports';
import type { RuntimeChannel } from './runtime-channel';
import { type LocalTeamStack, startLocalTeam } from './team-stack';

export interface LocalTeamManagerOptions {
  store: OrganiserStore;
  runtime: RuntimeChannel;
  kinesisEndpoint: string;
  shardCount: number;
  /** First port to try for teams' DynamoDB Local processes. */
  portBase: number;
  /** Ports that other parts of the stack use. */
  reservedPorts: number[];
  logDirectory: string;
  /** Where each team's tables are kept on disk during a run (`<directory>/<slug>`, emptied when the team starts). */
  tablesDirectory: string;
  /** Absolute directory of a pipeline's code (handlers and triggers.json). */
  codeDirectoryOf: (pipeline: LocalPipeline) => string;
}

interface RunningTeam {
  stack: LocalTeamStack;
  pipeline: LocalPipeline;
  resetDoneAt?: string;
  stopping: boolean;
}

/** A summary line per team for the start-up banner. */
export interface LocalTeamSummary {
  slug: string;
  pipeline: LocalPipeline;
  dynamodbEndpoint: string;
  streamName: string;
}

export class LocalTeamManager {
  private readonly running = new Map<string, RunningTeam>();
  private readonly queues = new Map<string, Promise<void>>();
  private readonly claimedPorts = new Set<number>();
  private closed = false;
  private runtime: RuntimeChannel;

  constructor(private readonly options: LocalTeamManagerOptions) {
    this.runtime = options.runtime;
  }

  /** Registers every running team with a (re)started function runtime. */
  async attachRuntime(runtime: RuntimeChannel): Promise<void> {
    this.runtime = runtime;
    await Promise.all(
      [...this.running.entries()].map(([slug, team]) =>
        this.enqueue(slug, () =>
          runtime.upsertTeam({
            slug,
            connection: team.stack.connection,
            resources: team.stack.resources,
            codeDirectory: this.options.codeDirectoryOf(team.pipeline),
          }),
        ),
      ),
    );
  }

  /** Brings resources in line with the store's teams; resolves when the work it started is done. */
  async reconcile(teams: Team[]): Promise<void> {
    const local = new Map(teams.filter((team) => team.kind === 'local' && team.local).map((team) => [team.slug, team]));
    const work: Promise<void>[] = [];
    for (const [slug, team] of local) {
      const current = this.running.get(slug);
      if (!current && !this.queues.has(slug)) work.push(this.enqueue(slug, () => this.startTeam(team)));
      else if (current && this.resetRequested(team, current)) work.push(this.enqueue(slug, () => this.resetTeam(team)));
      else if (current && current.pipeline !== team.local!.pipeline) work.push(this.enqueue(slug, () => this.switchPipeline(team)));
    }
    for (const slug of this.running.keys()) {
      if (!local.has(slug)) work.push(this.enqueue(slug, () => this.removeTeam(slug)));
    }
    await Promise.all(work);
  }

  /** Teams whose resources run, for the banner. */
  summaries(): LocalTeamSummary[] {
    return [...this.running.entries()].map(([slug, team]) => ({
      slug,
      pipeline: team.pipeline,
      dynamodbEndpoint: team.stack.connection.dynamodbEndpoint ?? '',
      streamName: team.stack.resources.streamName,
    }));
  }

  /** The teams' DynamoDB Local processes (for the capacity meter). */
  processIds(): Array<number | undefined> {
    return [...this.running.values()].map((team) => team.stack.dynamodb.process.pid);
  }

  /** Stops every team's resources (the runtime is stopped separately). */
  async stopAll(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.queues.values()]);
    await Promise.all([...this.running.values()].map((team) => this.stopStack(team)));
    this.running.clear();
  }

  private resetRequested(team: Team, current: RunningTeam): boolean {
    const requested = team.local?.resetRequestedAt;
    return Boolean(requested && requested !== current.resetDoneAt && requested !== team.local?.resetDoneAt);
  }

  private enqueue(slug: string, task: () => Promise<void>): Promise<void> {
    const previous = this.queues.get(slug) ?? Promise.resolve();
    const next = previous
      .then(() => (this.closed ? undefined : task()))
      .catch((error: unknown) => {
        console.error(`[teams] ${slug}: ${errorMessage(error)}`);
      });
    this.queues.set(slug, next);
    void next.then(() => {
      if (this.queues.get(slug) === next) this.queues.delete(slug);
    });
    return next;
  }

  private async allocatePort(): Promise<number> {
    for (let port = this.options.portBase; port < this.options.portBase + 1000; port++) {
      if (this.claimedPorts.has(port) || this.options.reservedPorts.includes(port)) continue;
      if (await isPortFree(port)) {
        this.claimedPorts.add(port);
        return port;
      }
    }
    throw new Error(`no free port for DynamoDB Local from ${this.options.portBase} upwards (set TEAM_PORT_BASE)`);
  }

  private async launch(team: Team, port: number): Promise<RunningTeam> {
    const stack = await startLocalTeam({
      slug: team.slug,
      port,
      kinesisEndpoint: this.options.kinesisEndpoint,
      shardCount: this.options.shardCount,
      logFile: path.join(this.options.logDirectory, `dynamodb-${team.slug}.log`),
      scratchDirectory: path.join(this.options.tablesDirectory, team.slug),
    });
    const running: RunningTeam = { stack, pipeline: team.local!.pipeline, stopping: false };
    void stack.dynamodb.process.exited.then((exit) => {
      if (running.stopping || this.closed) return;
      console.error(`[teams] ${team.slug}: DynamoDB Local exited unexpectedly (code ${exit.code}); restarting it with fresh tables`);
      void this.enqueue(team.slug, () => this.restartAfterCrash(team.slug));
    });
    await this.runtime.upsertTeam({
      slug: team.slug,
      connection: stack.connection,
      resources: stack.resources,
      codeDirectory: this.options.codeDirectoryOf(running.pipeline),
    });
    return running;
  }

  private async startTeam(team: Team): Promise<void> {
    await this.options.store.setLocalState(team.slug, { status: 'starting', message: 'starting DynamoDB Local' });
    const port = await this.allocatePort();
    try {
      const running = await this.launch(team, port);
      running.resetDoneAt = team.local?.resetRequestedAt;
      this.running.set(team.slug, running);
      await this.markReady(team.slug, running, running.resetDoneAt);
    } catch (error) {
      this.claimedPorts.delete(port);
      await this.options.store.setLocalState(team.slug, { status: 'failed', message: firstLine(error) }).catch(() => undefined);
      throw error;
    }
  }

  private async markReady(slug: string, running: RunningTeam, resetDoneAt?: string): Promise<void> {
    await this.options.store.setLocalState(
      slug,
      { status: 'ready', message: `DynamoDB Local at ${running.stack.connection.dynamodbEndpoint}`, resetDoneAt },
      running.stack.connection,
    );
  }

  private async replaceStack(slug: string, team: Team | null): Promise<void> {
    const current = this.running.get(slug);
    if (!current) return;
    const latest = team ?? (await this.options.store.getTeam(slug));
    if (!latest?.local) return;
    await this.options.store.setLocalState(slug, { status: 'resetting', message: 'restarting DynamoDB Local with fresh tables' });
    const port = current.stack.dynamodb.port;
    await this.stopStack(current);
    this.running.delete(slug);
    try {
      const running = await this.launch(latest, port);
      running.resetDoneAt = latest.local.resetRequestedAt;
      this.running.set(slug, running);
      await this.markReady(slug, running, running.resetDoneAt);
    } catch (error) {
      this.claimedPorts.delete(port);
      await this.options.store.setLocalState(slug, { status: 'failed', message: firstLine(error) }).catch(() => undefined);
      throw error;
    }
  }

  private resetTeam(team: Team): Promise<void> {
    return this.replaceStack(team.slug, team);
  }

  private restartAfterCrash(slug: string): Promise<void> {
    return this.replaceStack(slug, null);
  }

  private async switchPipeline(team: Team): Promise<void> {
    const current = this.running.get(team.slug);
    if (!current || !team.local) return;
    current.pipeline = team.local.pipeline;
    await this.runtime.upsertTeam({
      slug: team.slug,
      connection: current.stack.connection,
      resources: current.stack.resources,
      codeDirectory: this.options.codeDirectoryOf(current.pipeline),
    });
  }

  private async removeTeam(slug: string): Promise<void> {
    const current = this.running.get(slug);
    if (!current) return;
    this.running.delete(slug);
    await this.runtime.removeTeam(slug).catch(() => undefined);
    await this.stopStack(current);
    this.claimedPorts.delete(current.stack.dynamodb.port);
  }

  private async stopStack(team: RunningTeam): Promise<void> {
    team.stopping = true;
    await team.stack.stop();
  }
}

/** The first line of an error's message (a process's output tail follows it). */
function firstLine(error: unknown): string {
  return errorMessage(error).split('\n')[0] ?? '';
}
