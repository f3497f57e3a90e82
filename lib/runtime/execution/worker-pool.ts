/**
 * A function's execution environments: worker threads running one invocation at a time, reused warm
 * while the code and environment stay the same, terminated on timeout (even a synchronous endless loop).
 */
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { InvocationError, InvokeMessage, WorkerMessage, WorkerSetup } from './worker-protocol';
import { describeError } from './worker-protocol';

/** Lambda reclaims idle execution environments after a while; so do we. */
const IDLE_WORKER_MS = 5 * 60_000;

export interface CodeVersion {
  id: number;
  bundleFile: string;
  handlerLabel: string;
}

export interface InvocationResult {
  outcome: 'success' | 'error' | 'timeout';
  durationMs: number;
  error?: InvocationError;
}

export type OutputListener = (requestId: string | undefined, level: 'info' | 'warn' | 'error', message: string) => void;

export interface PoolOptions {
  workerHostFile: string;
  functionName: string;
  memoryLimitInMB: number;
  region: string;
  accountId: string;
  onOutput: OutputListener;
}

interface Settlement {
  error?: InvocationError;
  /** The worker cannot be reused (it failed to load the code, crashed or exited). */
  broken: boolean;
}

class ExecutionEnvironment {
  readonly worker: Worker;
  readonly ready: Promise<InvocationError | undefined>;
  busy = false;
  idleSince = Date.now();
  requestId?: string;
  /** It crashed, exited or failed to load: never reused. */
  broken = false;
  private terminated = false;
  private markReady!: (error?: InvocationError) => void;
  private settle?: (settlement: Settlement) => void;
  private readonly onOutput: OutputListener;

  constructor(
    readonly generation: number,
    setup: WorkerSetup,
    options: PoolOptions,
    environment: Record<string, string>,
  ) {
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.onOutput = options.onOutput;
    this.worker = new Worker(options.workerHostFile, {
      workerData: setup,
      env: environment,
      execArgv: ['--enable-source-maps'],
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: options.memoryLimitInMB },
    });
    this.worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'ready') this.markReady();
      else if (message.type === 'init-error') this.fail(message.error);
      else if (message.type === 'log') options.onOutput(message.requestId ?? this.requestId, message.level, message.message);
      else if (message.type === 'result' && message.requestId === this.requestId) this.finish({ error: message.error, broken: false });
    });
    this.worker.on('error', (error) => this.fail({ ...describeError(error), type: `Runtime.${describeError(error).type}` }));
    this.worker.on('exit', (code) => this.fail({ type: 'Runtime.ExitError', message: `execution environment exited (code ${code})` }));
    this.worker.stdout.setEncoding('utf8').on('data', (chunk: string) => options.onOutput(this.requestId, 'info', chunk.trimEnd()));
    this.worker.stderr.setEncoding('utf8').on('data', (chunk: string) => options.onOutput(this.requestId, 'error', chunk.trimEnd()));
  }

  /** Runs one invocation; resolves when the handler finished, failed, or the environment broke. */
  async run(message: InvokeMessage): Promise<Settlement> {
    const settled = new Promise<Settlement>((resolve) => (this.settle = resolve));
    const initError = await this.ready;
    if (initError) return { error: initError, broken: true };
    this.worker.postMessage(message);
    return settled;
  }

  private fail(error: InvocationError): void {
    if (this.broken) return;
    this.broken = true;
    this.markReady(error);
    if (!this.settle && !this.terminated) {
      this.onOutput(this.requestId, 'error', `execution environment failed between invocations: ${error.type}: ${error.message}`);
    }
    this.finish({ error, broken: true });
  }

  private finish(settlement: Settlement): void {
    const settle = this.settle;
    this.settle = undefined;
    settle?.(settlement);
  }

  terminate(): void {
    this.terminated = true;
    void this.worker.terminate();
  }
}

export class WorkerPool {
  private readonly environments = new Set<ExecutionEnvironment>();
  private generation = 0;
  private code?: CodeVersion;
  private environment: Record<string, string> = {};
  private readonly reaper: NodeJS.Timeout;

  constructor(private readonly options: PoolOptions) {
    this.reaper = setInterval(() => this.reapIdle(), 30_000).unref();
  }

  /** New code or environment: idle environments go now, busy ones after their invocation. */
  configure(code: CodeVersion, environment: Record<string, string>): void {
    this.code = code;
    this.environment = environment;
    this.generation++;
    for (const environmentInPool of this.environments) {
      if (!environmentInPool.busy) this.discard(environmentInPool);
    }
  }

  get size(): number {
    return this.environments.size;
  }

  async invoke(requestId: string, event: unknown, timeoutMs: number): Promise<InvocationResult> {
    if (!this.code) throw new Error('no code loaded');
    const started = performance.now();
    const environment = this.idleEnvironment() ?? this.spawn();
    environment.busy = true;
    environment.requestId = requestId;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const settlement = await Promise.race([environment.run({ type: 'invoke', requestId, event, deadline: Date.now() + timeoutMs }), timedOut]);
    clearTimeout(timer);
    const durationMs = performance.now() - started;
    if (settlement === 'timeout') {
      this.discard(environment);
      return {
        outcome: 'timeout',
        durationMs,
        error: { type: 'Sandbox.Timedout', message: `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds` },
      };
    }
    environment.busy = false;
    environment.idleSince = Date.now();
    if (settlement.broken || environment.generation !== this.generation) this.discard(environment);
    return settlement.error ? { outcome: 'error', durationMs, error: settlement.error } : { outcome: 'success', durationMs };
  }

  async stop(): Promise<void> {
    clearInterval(this.reaper);
    await Promise.all([...this.environments].map((environment) => environment.worker.terminate()));
    this.environments.clear();
  }

  private idleEnvironment(): ExecutionEnvironment | undefined {
    for (const environment of this.environments) {
      if (environment.busy) continue;
      if (environment.broken) this.discard(environment);
      else if (environment.generation === this.generation) return environment;
    }
    return undefined;
  }

  private spawn(): ExecutionEnvironment {
    const code = this.code!;
    const setup: WorkerSetup = {
      bundleFile: code.bundleFile,
      handlerLabel: code.handlerLabel,
      functionName: this.options.functionName,
      memoryLimitInMB: this.options.memoryLimitInMB,
      region: this.options.region,
      accountId: this.options.accountId,
    };
    const environment = new ExecutionEnvironment(this.generation, setup, this.options, this.environment);
    this.environments.add(environment);
    return environment;
  }

  private discard(environment: ExecutionEnvironment): void {
    this.environments.delete(environment);
    environment.terminate();
  }

  private reapIdle(): void {
    const cutoff = Date.now() - IDLE_WORKER_MS;
    for (const environment of this.environments) {
      if (!environment.busy && environment.idleSince < cutoff) this.discard(environment);
    }
  }
}
