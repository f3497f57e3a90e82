/**
 * The local function runtime: drives each local team's State, Map and Reduce handlers from its
 * streams exactly as AWS Lambda's event source mappings do (docs/game.md, "Trigger semantics"),
 * with logs and statistics. Stream reading lives in streams/, running handlers in execution/, logs
 * in logs/, and the runtime as a process with its HTTP endpoint in process/.
 */
import { randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Connection } from '../aws/clients';
import { isTeamSlug } from '../domain/team-slug';
import { UnknownTeamError } from '../errors';
import { isAlive } from '../local/process-tree';
import type { PipelineFunction, PipelineResources } from '../pipeline-resources';
import { bundleHandler, writeBundle } from './execution/bundler';
import { DEFAULT_SANDBOX_MEMORY_MB } from './execution/team-sandbox';
import { DEFAULT_LOG_CAPACITY, LogBuffer } from './logs/log-buffer';
import type { LogEntry } from './logs/log-entry';
import { type SharedRuntimeFiles, TeamRuntime, type TeamStatus } from './team-runtime';

const here = path.dirname(fileURLToPath(import.meta.url));
/** Bundles live under this repository's node_modules so their external packages (the AWS SDK) resolve. */
const BUNDLE_ROOT = path.resolve(here, '../../node_modules/.cache/local-runtime');

export interface RuntimeTeam {
  slug: string;
  /** region, dynamodbEndpoint (the team's DynamoDB Local), kinesisEndpoint. */
  connection: Connection;
  resources: PipelineResources;
  /** Absolute; contains triggers.json and the handler files. */
  codeDirectory: string;
  /** Extra environment variables for the handlers, e.g. FAILURE_INJECTION_SEED. */
  environment?: Record<string, string>;
}

export interface LogsQuery {
  team: string;
  function?: PipelineFunction;
  /** Entries after this id (to follow); without it, the newest ones. */
  after?: number;
  limit?: number;
}

export interface RuntimeStatus {
  teams: Record<string, TeamStatus>;
}

export interface LocalRuntimeOptions {
  /** Log entries kept per team. */
  logCapacity?: number;
  /** Memory cap of each team's sandbox process (its handlers' heaps and Buffers together). */
  sandboxMemoryMb?: number;
}

/** Removes bundle directories left by runtimes that died without cleaning up. */
async function pruneStaleBundles(): Promise<void> {
  const entries = await readdir(BUNDLE_ROOT).catch(() => [] as string[]);
  await Promise.all(
    entries
      .filter((name) => {
        const pid = Number(name.split('-')[0]);
        return Number.isInteger(pid) && pid > 0 && !isAlive(pid);
      })
      .map((name) => rm(path.join(BUNDLE_ROOT, name), { recursive: true, force: true })),
  );
}

export class LocalRuntime {
  private readonly teams = new Map<string, TeamRuntime>();
  private readonly logBuffers = new Map<string, LogBuffer>();
  /** Upserts and removals of one team happen one after another. */
  private readonly teamQueues = new Map<string, Promise<unknown>>();
  private shared?: Promise<SharedRuntimeFiles>;
  private stopped = false;

  constructor(private readonly options: LocalRuntimeOptions = {}) {}

  /** Builds the sandbox and worker entries once, into this runtime's own bundle directory. */
  private prepare(): Promise<SharedRuntimeFiles> {
    this.shared ??= (async () => {
      await pruneStaleBundles();
      const bundleDirectory = path.join(BUNDLE_ROOT, `${process.pid}-${randomBytes(4).toString('hex')}`);
      const build = async (entry: string, name: string) => {
        const bundle = await bundleHandler(path.join(here, 'sandbox', entry), bundleDirectory);
        if (!bundle.ok) throw new Error(`cannot build ${entry}: ${bundle.message}`);
        return writeBundle(bundleDirectory, name, bundle.code);
      };
      const [workerHostFile, sandboxFile] = await Promise.all([build('worker-host.ts', 'worker-host.mjs'), build('main.ts', 'sandbox.mjs')]);
      return { bundleDirectory, workerHostFile, sandboxFile };
    })();
    return this.shared;
  }

  private queue<T>(slug: string, work: () => Promise<T>): Promise<T> {
    const previous = this.teamQueues.get(slug) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.teamQueues.set(slug, next);
    return next;
  }

  /**
   * Adds a team or replaces its definition. A different connection or different resources mean the
   * team was reset: its triggers start over from their starting positions. Otherwise checkpoints stay.
   * Resolves once its code is built and its triggers are positioned in their streams (so a LATEST
   * trigger sees everything put afterwards), or after 10 s if a stream is slow or missing.
   */
  upsertTeam(team: RuntimeTeam): Promise<void> {
    if (!isTeamSlug(team.slug)) return Promise.reject(new Error(`invalid team slug "${team.slug}"`));
    if (!path.isAbsolute(team.codeDirectory)) return Promise.reject(new Error(`codeDirectory must be absolute: ${team.codeDirectory}`));
    return this.queue(team.slug, async () => {
      if (this.stopped) throw new Error('the runtime is stopped');
      const shared = await this.prepare();
      const existing = this.teams.get(team.slug);
      if (existing) {
        const same = JSON.stringify([existing.definition.connection, existing.definition.resources]) === JSON.stringify([team.connection, team.resources]);
        if (same) return existing.update(team);
        this.teams.delete(team.slug);
        await existing.stop();
      }
      let logs = this.logBuffers.get(team.slug);
      if (!logs) {
        logs = new LogBuffer(team.slug, this.options.logCapacity ?? DEFAULT_LOG_CAPACITY);
        this.logBuffers.set(team.slug, logs);
      }
      const runtime = new TeamRuntime(team, { ...shared, sandboxMemoryMb: this.options.sandboxMemoryMb ?? DEFAULT_SANDBOX_MEMORY_MB }, logs);
      this.teams.set(team.slug, runtime);
      await runtime.start();
      if (existing) runtime.announce('info', 'team reset: triggers start again from their starting positions');
    });
  }

  /** Stops a team's triggers and functions and forgets its logs. */
  removeTeam(slug: string): Promise<void> {
    return this.queue(slug, async () => {
      const team = this.teams.get(slug);
      this.teams.delete(slug);
      this.logBuffers.delete(slug);
      await team?.stop();
    });
  }

  /** A team's log entries; throws UnknownTeamError for a team the runtime does not run. */
  logs(query: LogsQuery): LogEntry[] {
    const logs = this.logBuffers.get(query.team);
    if (!logs) throw new UnknownTeamError(query.team);
    return logs.query(query);
  }

  status(): RuntimeStatus {
    const teams: RuntimeStatus['teams'] = {};
    for (const [slug, team] of this.teams) teams[slug] = team.status();
    return { teams };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.teamQueues.values()].map((work) => work.catch(() => undefined)));
    await Promise.all([...this.teams.values()].map((team) => team.stop()));
    this.teams.clear();
    if (this.shared) {
      const shared = await this.shared.catch(() => undefined);
      if (shared) await rm(shared.bundleDirectory, { recursive: true, force: true });
    }
  }
}
