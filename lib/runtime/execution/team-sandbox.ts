/**
 * The runtime's side of a team's sandbox process (sandbox/main.ts), where the team's handlers run:
 * starts it with no environment of the host's, in a process group of its own registered with the
 * reaper, under a memory cap the operating system enforces; sends it the functions' code and the
 * invocations; and when it dies (a handler killed or exited its process, it ran out of memory, it
 * stopped answering, or it broke the channel), fails the invocations in flight as Lambda would
 * (Runtime.ExitError / Runtime.OutOfMemory, so triggers retry their batches), says what happened
 * in the team's logs, and starts it again, waiting longer each time it keeps dying.
 */

import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage } from '@/lib/errors';
import { descendantsOf } from '@/lib/local/process-tree';
import { type ManagedProcess, type ProcessExit, startProcess } from '@/lib/local/processes';
import type { PipelineFunction } from '@/lib/pipeline-resources';
import { OutputLimit } from '../logs/output-limit';
import {
  encodeMessage,
  type FunctionSetup,
  type InvocationResult,
  type LogLevel,
  readMessages,
  type SandboxCommand,
  type SandboxReport,
} from '../sandbox/protocol';

/** The memory a team's sandbox may use (old space and Buffers alike), unless the runtime is told otherwise. */
export const DEFAULT_SANDBOX_MEMORY_MB = 1024;
/** How long a sandbox may take to start and say it is ready. */
const START_TIMEOUT_MS = 30_000;
/** How long past an invocation's own timeout the sandbox may take to report it, before it counts as hung. */
const ANSWER_GRACE_MS = 10_000;
/** Waits before restarting a sandbox that keeps dying: the first restart is quick, then each waits longer. */
const RESTART_DELAYS_MS = [250, 1_000, 2_000, 5_000, 10_000, 30_000];
/** A sandbox that ran this long without dying starts the backoff over. */
const STABLE_AFTER_MS = 60_000;
/** A report is small (console output is cut at 8,192 characters); anything larger is not ours. */
const MAX_REPORT_BYTES = 256 * 1024;
/** Far above what an honest sandbox sends (console output is limited to 1,000 lines at once). */
const MAX_REPORTS_PER_SECOND = 20_000;

export interface TeamSandboxOptions {
  slug: string;
  /** The bundled sandbox entry (sandbox/main.ts). */
  sandboxFile: string;
  /** The sandbox's working directory (the team's code directory, as /var/task on Lambda). */
  workingDirectory: string;
  memoryLimitMb: number;
  /** A handler's console output. */
  output: (fn: PipelineFunction, requestId: string | undefined, level: LogLevel, message: string) => void;
  /** A message of the runtime about one function, or about the whole team when `fn` is undefined. */
  notice: (fn: PipelineFunction | undefined, level: LogLevel, message: string) => void;
}

export interface SandboxStatus {
  /** The sandbox process, while one runs. */
  pid?: number;
  state: 'starting' | 'ready' | 'restarting' | 'stopped';
  memoryLimitMb: number;
  /** Times it died since the team started (a handler killed or exited it, out of memory, …). */
  deaths: number;
}

interface PendingInvocation {
  resolve: (result: InvocationResult | undefined) => void;
  watchdog: NodeJS.Timeout;
  started: number;
}

/** Why a sandbox ended, in Lambda's words (for the failed invocations) and in plain words (for the logs). */
interface SandboxDeath {
  type: 'Runtime.ExitError' | 'Runtime.OutOfMemory';
  lambdaMessage: string;
  plainWords: string;
}

const OUT_OF_MEMORY = /out of memory|allocation failed|heap limit|bad_alloc|cannot allocate memory/i;

/** What an exit means, given what the process printed last and what the runtime already knew. */
export function describeDeath(exit: ProcessExit, recentOutput: string, memoryLimitMb: number, knownCause?: string): SandboxDeath {
  if (OUT_OF_MEMORY.test(recentOutput)) {
    return {
      type: 'Runtime.OutOfMemory',
      lambdaMessage: `Runtime exited with error: out of memory (the team's sandbox may use ${memoryLimitMb} MB)`,
      plainWords: `ran out of memory: together its handlers may use ${memoryLimitMb} MB`,
    };
  }
  const how = exit.signal ? `signal: ${exit.signal === 'SIGKILL' ? 'killed' : exit.signal}` : `exit status ${exit.code}`;
  const plainWords = knownCause
    ? `was stopped because it ${knownCause}`
    : exit.signal
      ? `was killed by ${exit.signal}${exit.signal === 'SIGKILL' ? ' (did a handler call process.kill on its own process?)' : ''}`
      : `exited with status ${exit.code}`;
  return { type: 'Runtime.ExitError', lambdaMessage: `Runtime exited with error: ${how}`, plainWords };
}

/** RLIMIT_DATA holds on Linux; macOS accepts it but does not enforce it on what malloc maps. */
function platformCanCapMemory(): boolean {
  return process.platform === 'linux';
}

/**
 * Processes a sandbox started (a handler's child processes), including those that left its process
 * group; read from /proc, so only on Linux.
 */
function processesBelow(sandbox: ManagedProcess): number[] {
  return sandbox.pid && process.platform === 'linux' ? descendantsOf(sandbox.pid) : [];
}

function killEach(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

export class TeamSandbox {
  private process?: ManagedProcess;
  /** The channel to the current sandbox, once it said it is ready. */
  private channel?: Socket;
  /** Resolves once the current sandbox is ready; replaced on every (re)start. */
  private ready: Promise<boolean> = Promise.resolve(false);
  private readonly setups = new Map<PipelineFunction, FunctionSetup>();
  private readonly pending = new Map<string, PendingInvocation>();
  private readonly environments = new Map<PipelineFunction, number>();
  private readonly rawOutputLimit = new OutputLimit();
  private rawOutputDropped = 0;
  private readonly rawOutputTimer: NodeJS.Timeout;
  private deathsInARow = 0;
  private deaths = 0;
  private startedAt = 0;
  /** Why the runtime itself is stopping the current sandbox (it stopped answering, broke the channel). */
  private stopCause?: string;
  private stopped = false;
  private warnedAboutCap = false;
  private readonly stopping = new AbortController();

  constructor(private readonly options: TeamSandboxOptions) {
    this.rawOutputTimer = setInterval(() => {
      if (this.rawOutputDropped === 0) return;
      this.options.notice(undefined, 'warn', this.rawOutputLimit.droppedNote(this.rawOutputDropped));
      this.rawOutputDropped = 0;
    }, 1_000).unref();
  }

  /** Starts the sandbox; resolves once it is ready (or failed to start, which is retried). */
  async start(): Promise<void> {
    this.launch();
    await this.ready;
  }

  status(): SandboxStatus {
    const running = this.process?.running ?? false;
    const state = this.stopped ? 'stopped' : this.channel ? 'ready' : running ? 'starting' : 'restarting';
    return { pid: running ? this.process?.pid : undefined, state, memoryLimitMb: this.options.memoryLimitMb, deaths: this.deaths };
  }

  /** Execution environments (worker threads) a function has now. */
  environmentCount(fn: PipelineFunction): number {
    return this.environments.get(fn) ?? 0;
  }

  /** New code or environment for a function (kept, and sent again to every new sandbox). */
  configure(fn: PipelineFunction, setup: FunctionSetup): void {
    this.setups.set(fn, setup);
    this.send({ type: 'configure', function: fn, setup });
  }

  /** The function left the wiring: its environments go. */
  remove(fn: PipelineFunction): void {
    this.setups.delete(fn);
    this.environments.delete(fn);
    this.send({ type: 'remove', function: fn });
  }

  /**
   * Runs one invocation in the sandbox, waiting for it to be (re)started first; resolves undefined if
   * `signal` aborts (or the sandbox is stopped) before it was sent.
   */
  async invoke(fn: PipelineFunction, requestId: string, event: unknown, timeoutMs: number, signal: AbortSignal): Promise<InvocationResult | undefined> {
    for (;;) {
      if (this.stopped || signal.aborted) return undefined;
      const ready = await Promise.race([this.ready, this.aborted(signal)]);
      if (ready === true && this.channel) break;
      if (ready === undefined) return undefined;
      await sleep(100, undefined, { signal: AbortSignal.any([signal, this.stopping.signal]) }).catch(() => undefined);
    }
    return new Promise((resolve) => {
      const watchdog = setTimeout(() => this.kill(`did not answer within ${Math.round((timeoutMs + ANSWER_GRACE_MS) / 1000)} s`), timeoutMs + ANSWER_GRACE_MS);
      this.pending.set(requestId, { resolve, watchdog, started: performance.now() });
      this.send({ type: 'invoke', function: fn, requestId, event, timeoutMs });
    });
  }

  private aborted(signal: AbortSignal): Promise<undefined> {
    const either = AbortSignal.any([signal, this.stopping.signal]);
    return new Promise((resolve) => {
      if (either.aborted) resolve(undefined);
      else either.addEventListener('abort', () => resolve(undefined), { once: true });
    });
  }

  private send(command: SandboxCommand): void {
    if (this.channel && !this.channel.destroyed) this.channel.write(encodeMessage(command));
  }

  private launch(): void {
    const { slug, sandboxFile, workingDirectory, memoryLimitMb } = this.options;
    const node = [process.execPath, sandboxFile, '--team', slug];
    // RLIMIT_DATA caps what the process can commit (V8's heaps and Buffers alike); RLIMIT_AS would
    // also count V8's address-space reservations, and Node cannot start its worker threads under it.
    const command = platformCanCapMemory()
      ? ['/bin/sh', '-c', 'unset PWD; ulimit -d "$1" && shift && exec "$@"', 'sandbox', String(memoryLimitMb * 1024), ...node]
      : node;
    const [program, ...args] = command as [string, ...string[]];
    const child = startProcess(`sandbox-${slug}`, program, args, {
      cwd: workingDirectory,
      // Nothing of the host's; TZ is the process's time zone (a worker thread's TZ does not change it).
      env: { TZ: ':UTC' },
      channel: true,
      onLine: (line) => this.rawOutput(line),
    });
    this.process = child;
    this.startedAt = Date.now();
    this.stopCause = undefined;
    const channel = child.child.stdio[3] as Socket;
    channel.on('error', () => undefined);
    let markReady!: (ready: boolean) => void;
    this.ready = new Promise((resolve) => (markReady = resolve));
    const startTimer = setTimeout(() => this.kill(`did not start within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);
    readMessages(
      channel,
      { maxLineBytes: MAX_REPORT_BYTES, maxMessagesPerSecond: MAX_REPORTS_PER_SECOND },
      (message) => {
        const report = message as SandboxReport;
        if (report?.type === 'ready') {
          clearTimeout(startTimer);
          this.checkCap(report.memoryCapBytes);
          this.channel = channel;
          for (const [fn, setup] of this.setups) this.send({ type: 'configure', function: fn, setup });
          markReady(true);
        } else {
          this.receive(report);
        }
      },
      (error) => this.kill(`sent the runtime ${error.message}`),
    );
    void child.exited.then((exit) => {
      clearTimeout(startTimer);
      markReady(false);
      void this.died(child, exit);
    });
  }

  private checkCap(capBytes: number | null): void {
    if (this.warnedAboutCap) return;
    const wanted = this.options.memoryLimitMb * 1024 * 1024;
    if (capBytes !== null && capBytes <= wanted) return;
    this.warnedAboutCap = true;
    this.options.notice(
      undefined,
      'warn',
      `the operating system does not cap this team's sandbox memory here (${process.platform}): only each handler's JavaScript heap is limited, not its Buffers`,
    );
  }

  private receive(report: SandboxReport): void {
    if (!report || typeof report !== 'object') return;
    if (report.type === 'result') {
      const invocation = this.pending.get(report.requestId);
      if (!invocation) return;
      this.pending.delete(report.requestId);
      clearTimeout(invocation.watchdog);
      const error = report.result.error;
      if (error && /allocation failed/i.test(error.message)) {
        error.message += ` (this team's sandbox is out of memory: its handlers together may use ${this.options.memoryLimitMb} MB)`;
      }
      invocation.resolve(report.result);
    } else if (report.type === 'output') {
      this.options.output(report.function, report.requestId, report.level, String(report.message));
    } else if (report.type === 'notice') {
      this.options.notice(report.function, report.level, String(report.message));
    } else if (report.type === 'environments') {
      this.environments.set(report.function, report.count);
    }
  }

  /** A line the sandbox wrote to its stdout or stderr (a handler's child process, Node's fatal errors). */
  private rawOutput(line: string): void {
    if (this.rawOutputLimit.admit()) this.options.notice(undefined, 'warn', `sandbox output: ${line}`);
    else this.rawOutputDropped++;
  }

  /** Stops a sandbox that misbehaves; its exit then fails what is in flight and restarts it. */
  private kill(cause: string): void {
    if (!this.process?.running) return;
    this.stopCause ??= cause;
    this.killTree(this.process);
  }

  /** SIGKILL to the sandbox's process group and to anything below it that left the group. */
  private killTree(sandbox: ManagedProcess): void {
    const escaped = processesBelow(sandbox);
    sandbox.killNow();
    killEach(escaped);
  }

  private async died(sandbox: ManagedProcess, exit: ProcessExit): Promise<void> {
    if (sandbox !== this.process) return;
    this.channel = undefined;
    this.environments.clear();
    const inFlight = [...this.pending.entries()];
    this.pending.clear();
    if (this.stopped) {
      for (const [, invocation] of inFlight) {
        clearTimeout(invocation.watchdog);
        invocation.resolve(undefined);
      }
      return;
    }
    sandbox.killNow();
    const death = describeDeath(exit, sandbox.recentOutput(), this.options.memoryLimitMb, this.stopCause);
    for (const [requestId, invocation] of inFlight) {
      clearTimeout(invocation.watchdog);
      invocation.resolve({
        outcome: 'error',
        durationMs: performance.now() - invocation.started,
        error: { type: death.type, message: `RequestId: ${requestId} Error: ${death.lambdaMessage}` },
      });
    }
    if (Date.now() - this.startedAt > STABLE_AFTER_MS) this.deathsInARow = 0;
    const delay = RESTART_DELAYS_MS[Math.min(this.deathsInARow, RESTART_DELAYS_MS.length - 1)] ?? 0;
    this.deathsInARow++;
    this.deaths++;
    const failed = inFlight.length === 1 ? '1 invocation in flight failed and is retried' : `${inFlight.length} invocations in flight failed and are retried`;
    this.options.notice(
      undefined,
      'error',
      `the team's sandbox process (it runs this team's State, Map and Reduce handlers) ${death.plainWords}; ${failed}; starting it again in ${delay >= 1000 ? `${delay / 1000} s` : `${delay} ms`}${this.deathsInARow > 1 ? ` (it died ${this.deathsInARow} times in a row)` : ''}`,
    );
    await sleep(delay, undefined, { signal: this.stopping.signal }).catch(() => undefined);
    if (!this.stopped) this.launch();
  }

  /** Stops the sandbox and everything it started; invocations in flight resolve undefined. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stopping.abort();
    clearInterval(this.rawOutputTimer);
    const sandbox = this.process;
    if (!sandbox) return;
    const escaped = processesBelow(sandbox);
    this.channel?.end();
    await sandbox.stop(2_000).catch((error: unknown) => this.options.notice(undefined, 'warn', `stopping the sandbox: ${errorMessage(error)}`));
    killEach(escaped);
  }
}
