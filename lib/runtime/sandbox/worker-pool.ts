/**
 * A function's execution environments inside its team's sandbox: worker threads running one
 * invocation at a time, reused warm while the code and environment stay the same, terminated on
 * timeout (even a synchronous endless loop) or when their JavaScript heap outgrows the function's memory.
 */
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { FunctionSetup, InvocationResult, LogLevel } from './protocol';
import { describeError, type InvocationError, type InvokeMessage, type WorkerMessage, type WorkerSetup } from './worker-protocol';

/** Lambda reclaims idle execution environments after a while; so do we. */
const IDLE_WORKER_MS = 5 * 60_000;

export interface PoolListeners {
  /** Console output of the handler (requestId absent outside an invocation). */
  output: (requestId: string | undefined, level: LogLevel, message: string) => void;
  /** Something happened to an environment that the function's log should say. */
  notice: (requestId: string | undefined, level: LogLevel, message: string) => void;
  /** The number of environments changed. */
  size: (count: number) => void;
}

interface Settlement {
  error?: InvocationError;
  /** The worker cannot be reused (it failed to load the code, crashed or exited). */
  broken: boolean;
}

/** What a worker's 'error' event means, as Lambda would name it. */
function workerFailure(error: unknown, memoryLimitInMB: number): InvocationError {
  if ((error as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return {
      type: 'Runtime.OutOfMemory',
      message: `Runtime exited with error: the handler's JavaScript heap outgrew the function's ${memoryLimitInMB} MB`,
    };
  }
  const cause = describeError(error);
  return { ...cause, type: `Runtime.${cause.type}` };
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

  constructor(
    readonly generation: number,
    setup: FunctionSetup,
    private readonly listeners: PoolListeners,
  ) {
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    const { workerHostFile, environment, ...workerData } = setup;
    this.worker = new Worker(workerHostFile, {
      workerData: workerData satisfies WorkerSetup,
      env: environment,
      execArgv: ['--enable-source-maps'],
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: setup.memoryLimitInMB },
    });
    this.worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'ready') this.markReady();
      else if (message.type === 'init-error') this.fail(message.error);
      else if (message.type === 'log') listeners.output(message.requestId ?? this.requestId, message.level, message.message);
      else if (message.type === 'result' && message.requestId === this.requestId) this.finish({ error: message.error, broken: false });
    });
    this.worker.on('error', (error) => this.fail(workerFailure(error, setup.memoryLimitInMB)));
    this.worker.on('exit', (code) =>
      this.fail({
        type: 'Runtime.ExitError',
        message: `Runtime exited with error: exit status ${code} (the handler called process.exit, or its environment ended)`,
      }),
    );
    this.worker.stdout.setEncoding('utf8').on('data', (chunk: string) => listeners.output(this.requestId, 'info', chunk.trimEnd()));
    this.worker.stderr.setEncoding('utf8').on('data', (chunk: string) => listeners.output(this.requestId, 'error', chunk.trimEnd()));
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
      this.listeners.notice(this.requestId, 'error', `execution environment failed between invocations: ${error.type}: ${error.message}`);
    }
    this.finish({ error, broken: true });
  }

  private finish(settlement: Settlement): void {
    const settle = this.settle;
    this.settle = undefined;
    settle?.(settlement);
  }

  terminate(): Promise<number> {
    this.terminated = true;
    return this.worker.terminate();
  }
}

export class WorkerPool {
  private readonly environments = new Set<ExecutionEnvironment>();
  private generation = 0;
  private setup?: FunctionSetup;
  private readonly reaper: NodeJS.Timeout;

  constructor(private readonly listeners: PoolListeners) {
    this.reaper = setInterval(() => this.reapIdle(), 30_000).unref();
  }

  /** New code or environment: idle environments go now, busy ones after their invocation. */
  configure(setup: FunctionSetup): void {
    this.setup = setup;
    this.generation++;
    for (const environment of this.environments) {
      if (!environment.busy) this.discard(environment);
    }
  }

  async invoke(requestId: string, event: unknown, timeoutMs: number): Promise<InvocationResult> {
    if (!this.setup) return { outcome: 'error', durationMs: 0, error: { type: 'Runtime.NoCode', message: 'no code loaded for this function yet' } };
    const started = performance.now();
    const environment = this.idleEnvironment() ?? this.spawn(this.setup);
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
    const stopping = [...this.environments].map((environment) => environment.terminate());
    this.environments.clear();
    this.listeners.size(0);
    await Promise.all(stopping);
  }

  private idleEnvironment(): ExecutionEnvironment | undefined {
    for (const environment of this.environments) {
      if (environment.busy) continue;
      if (environment.broken) this.discard(environment);
      else if (environment.generation === this.generation) return environment;
    }
    return undefined;
  }

  private spawn(setup: FunctionSetup): ExecutionEnvironment {
    const environment = new ExecutionEnvironment(this.generation, setup, this.listeners);
    this.environments.add(environment);
    this.listeners.size(this.environments.size);
    return environment;
  }

  private discard(environment: ExecutionEnvironment): void {
    if (!this.environments.delete(environment)) return;
    void environment.terminate();
    this.listeners.size(this.environments.size);
  }

  private reapIdle(): void {
    const cutoff = Date.now() - IDLE_WORKER_MS;
    for (const environment of this.environments) {
      if (!environment.busy && environment.idleSince < cutoff) this.discard(environment);
    }
  }
}
