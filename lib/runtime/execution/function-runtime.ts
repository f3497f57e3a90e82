/**
 * One team's function (State, Map or Reduce): builds its handler, swaps in new code on change, runs
 * invocations in the team's sandbox under its concurrency limit, logs them and keeps its statistics.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Connection } from '@/lib/aws/clients';
import type { PipelineFunction } from '@/lib/pipeline-resources';
import type { LogBuffer, NewLogEntry } from '../logs/log-buffer';
import type { InvocationResult } from '../sandbox/protocol';
import type { FunctionConfig } from '../wiring';
import { type BundleResult, bundleHandler, writeBundle } from './bundler';
import { ConcurrencyLimiter } from './concurrency';
import { handlerFileProblem } from './handler-file';
import type { TeamSandbox } from './team-sandbox';

export const MEMORY_LIMIT_MB = 512;
/** The emulators' account (kinesalite and DynamoDB Local use it in their ARNs). */
export const LOCAL_ACCOUNT_ID = '000000000000';

export interface TeamContext {
  slug: string;
  connection: Connection;
  logs: LogBuffer;
  /** Where bundles are written (inside this repository, so their packages resolve). */
  bundleDirectory: string;
  workerHostFile: string;
  /** The process the team's handlers run in. */
  sandbox: TeamSandbox;
}

interface CodeVersion {
  id: number;
  bundleFile: string;
  handlerLabel: string;
  hash: string;
}

export type CodeState = { state: 'building' } | { state: 'ready'; version: number; loadedAt: string } | { state: 'build-error'; message: string };

export interface FunctionStats {
  invocations: number;
  errors: number;
  timeouts: number;
  /** Records in invocations that succeeded. */
  records: number;
  /** Time spent in invocations (all outcomes). */
  busyMs: number;
}

export interface FunctionStatus {
  function: PipelineFunction;
  functionName: string;
  handler: string;
  timeoutSeconds: number;
  reservedConcurrency?: number;
  code: CodeState;
  /** Invocations running now. */
  running: number;
  /** Warm execution environments (worker threads). */
  environments: number;
  stats: FunctionStats;
}

export interface BatchInvocation {
  event: unknown;
  records: number;
  shardId: string;
  attempt: number;
}

/** e.g. my-team-StateLambda */
export function lambdaFunctionName(slug: string, name: PipelineFunction): string {
  return `${slug}-${name.charAt(0).toUpperCase()}${name.slice(1)}Lambda`;
}

function endMessage(result: InvocationResult): string {
  const duration = `${result.durationMs.toFixed(1)} ms`;
  if (result.outcome === 'success') return `END success in ${duration}`;
  if (result.outcome === 'timeout') return `END ${result.error?.message}`;
  return `END error after ${duration}: ${result.error?.type}: ${result.error?.message}`;
}

export class FunctionRuntime {
  readonly functionName: string;
  /** Absolute paths of every source file in the current bundle (or named by its build errors). */
  inputs = new Set<string>();
  readonly stats: FunctionStats = { invocations: 0, errors: 0, timeouts: 0, records: 0, busyMs: 0 };
  private code: CodeState = { state: 'building' };
  private version?: CodeVersion;
  private versions = 0;
  private readonly limiter: ConcurrencyLimiter;
  private readonly codeWaiters = new Set<() => void>();
  private building?: Promise<void>;
  private buildAgain = false;
  private stopped = false;

  constructor(
    private readonly team: TeamContext,
    readonly name: PipelineFunction,
    private config: FunctionConfig,
    private codeDirectory: string,
    private environment: Record<string, string>,
  ) {
    this.functionName = lambdaFunctionName(team.slug, name);
    this.limiter = new ConcurrencyLimiter(config.reservedConcurrency ?? Number.POSITIVE_INFINITY);
  }

  /** The function's settings from the wiring file. */
  get settings(): FunctionConfig {
    return this.config;
  }

  get codeState(): CodeState {
    return this.code;
  }

  /** New settings from the wiring file; a different handler file is built and swapped in. */
  async configure(config: FunctionConfig, codeDirectory: string): Promise<void> {
    const rebuild = config.handler !== this.config.handler || codeDirectory !== this.codeDirectory;
    this.config = config;
    this.codeDirectory = codeDirectory;
    this.limiter.setLimit(config.reservedConcurrency ?? Number.POSITIVE_INFINITY);
    if (rebuild) await this.build();
  }

  /** New environment variables: new execution environments get them. */
  setEnvironment(environment: Record<string, string>): void {
    if (JSON.stringify(environment) === JSON.stringify(this.environment)) return;
    this.environment = environment;
    this.sendCode();
  }

  /** The current code and environment to the sandbox: its new execution environments get them. */
  private sendCode(): void {
    if (!this.version || this.stopped) return;
    this.team.sandbox.configure(this.name, {
      workerHostFile: this.team.workerHostFile,
      bundleFile: this.version.bundleFile,
      handlerLabel: this.version.handlerLabel,
      functionName: this.functionName,
      memoryLimitInMB: MEMORY_LIMIT_MB,
      region: this.team.connection.region,
      accountId: LOCAL_ACCOUNT_ID,
      environment: this.environment,
    });
  }

  /** Builds the handler (again); concurrent requests coalesce into one more build. */
  build(): Promise<void> {
    if (this.building) {
      this.buildAgain = true;
      return this.building;
    }
    this.building = (async () => {
      do {
        this.buildAgain = false;
        await this.buildOnce();
      } while (this.buildAgain && !this.stopped);
      this.building = undefined;
    })();
    return this.building;
  }

  private async buildOnce(): Promise<void> {
    const entry = path.resolve(this.codeDirectory, this.config.handler);
    const outside = await handlerFileProblem(this.codeDirectory, this.config.handler);
    const result: BundleResult = outside ? { ok: false, message: outside, inputs: [entry] } : await bundleHandler(entry, this.team.bundleDirectory);
    if (this.stopped) return;
    this.inputs = new Set(result.inputs);
    if (!result.ok) {
      this.code = { state: 'build-error', message: result.message };
      this.log({
        kind: 'system',
        level: 'error',
        message: `build of ${this.config.handler} failed; ${this.functionName} is stopped (its shards wait) until it builds:\n${result.message}`,
      });
      return;
    }
    if (this.version?.hash !== result.hash) {
      const id = ++this.versions;
      const bundleFile = await writeBundle(this.team.bundleDirectory, `${this.team.slug}-${this.name}-${id}.mjs`, result.code);
      if (this.stopped) return;
      this.version = { id, bundleFile, handlerLabel: this.config.handler, hash: result.hash };
      this.sendCode();
      this.log({ kind: 'system', level: 'info', message: `loaded ${this.config.handler} (version ${id}, ${result.inputs.length} source files)` });
    } else if (this.code.state !== 'ready') {
      this.log({ kind: 'system', level: 'info', message: `${this.config.handler} builds again (version ${this.version.id})` });
    }
    this.code = { state: 'ready', version: this.version.id, loadedAt: new Date().toISOString() };
    for (const wake of this.codeWaiters) wake();
  }

  /**
   * Invokes the handler with a batch once code is ready and a concurrency slot is free; resolves
   * undefined if `signal` aborts while waiting.
   */
  async invoke(batch: BatchInvocation, signal: AbortSignal): Promise<InvocationResult | undefined> {
    for (;;) {
      if (!(await this.waitForCode(signal))) return undefined;
      if (!(await this.limiter.acquire(signal))) return undefined;
      if (this.stopped) {
        this.limiter.release();
        return undefined;
      }
      if (this.code.state === 'ready') break;
      this.limiter.release();
    }
    try {
      const requestId = randomUUID();
      const where = { requestId, shardId: batch.shardId, attempt: batch.attempt };
      this.log({
        ...where,
        kind: 'start',
        level: 'info',
        records: batch.records,
        message: `START ${batch.records} records from ${batch.shardId} (attempt ${batch.attempt})`,
      });
      const result = await this.team.sandbox.invoke(this.name, requestId, batch.event, this.config.timeoutSeconds * 1000, signal);
      if (!result) return undefined;
      this.stats.invocations++;
      this.stats.busyMs += result.durationMs;
      if (result.outcome === 'success') this.stats.records += batch.records;
      else if (result.outcome === 'timeout') this.stats.timeouts++;
      else this.stats.errors++;
      this.log({
        ...where,
        kind: 'end',
        level: result.outcome === 'success' ? 'info' : 'error',
        message: endMessage(result),
        durationMs: Math.round(result.durationMs * 10) / 10,
        outcome: result.outcome,
        stack: result.error?.stack,
      });
      return result;
    } finally {
      this.limiter.release();
    }
  }

  private waitForCode(signal: AbortSignal): Promise<boolean> {
    if (this.code.state === 'ready') return Promise.resolve(true);
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = (ready: boolean) => {
        this.codeWaiters.delete(wake);
        signal.removeEventListener('abort', aborted);
        resolve(ready);
      };
      const wake = () => finish(true);
      const aborted = () => finish(false);
      this.codeWaiters.add(wake);
      signal.addEventListener('abort', aborted, { once: true });
    });
  }

  log(entry: Omit<NewLogEntry, 'function'>): void {
    this.team.logs.append({ function: this.name, ...entry });
  }

  status(): FunctionStatus {
    return {
      function: this.name,
      functionName: this.functionName,
      handler: this.config.handler,
      timeoutSeconds: this.config.timeoutSeconds,
      reservedConcurrency: this.config.reservedConcurrency,
      code: this.code,
      running: this.limiter.active,
      environments: this.team.sandbox.environmentCount(this.name),
      stats: { ...this.stats, busyMs: Math.round(this.stats.busyMs) },
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const wake of this.codeWaiters) wake();
    this.team.sandbox.remove(this.name);
  }
}
