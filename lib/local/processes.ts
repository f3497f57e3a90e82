/**
 * Child processes that never outlive their owner. Each child runs in its own process group (so we
 * can stop it with everything it started) and is registered with a reaper process that kills it if
 * the owner dies abruptly. Output is kept in a short tail for error messages and optionally a log file.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import type { Socket } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TAIL_LINES = 40;
const here = path.dirname(fileURLToPath(import.meta.url));

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A child's environment variables, built for what it needs (see supervisor.ts). */
export type ChildEnvironment = Record<string, string | undefined>;

/** Host variables any child may know: where programs and the home folder are, language, time zone, temporary files, Java. */
const BASIC_VARIABLES = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'TMPDIR', 'JAVA_HOME'];

/** The host's basic variables and nothing else (no credentials, no secrets): a child's default environment. */
export function basicEnvironment(): ChildEnvironment {
  return Object.fromEntries(BASIC_VARIABLES.flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name]]])));
}

export interface StartOptions {
  /** The child's whole environment (default: the host's basic variables only, see basicEnvironment). */
  env?: ChildEnvironment;
  cwd?: string;
  /** Appends stdout and stderr to this file. */
  logFile?: string;
  /** Receives every output line (stdout and stderr). */
  onLine?: (line: string) => void;
  /** Opens an IPC channel (for Node children started with `process.execPath`). */
  ipc?: boolean;
  /** Opens a socket pair as the child's file descriptor 3 (`child.stdio[3]`), for a protocol of our own. */
  channel?: boolean;
}

export class ManagedProcess {
  readonly exited: Promise<ProcessExit>;
  private readonly tail: string[] = [];
  private exitInfo: ProcessExit | null = null;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    private readonly log: WriteStream | null,
    private readonly onLine?: (line: string) => void,
  ) {
    for (const stream of [child.stdout, child.stderr]) stream?.setEncoding('utf8').on('data', (chunk: string) => this.record(chunk));
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        reaper.forget(child.pid);
        resolve(this.exitInfo);
      });
      child.once('error', (error) => {
        this.record(`${error.message}\n`);
        this.exitInfo = { code: -1, signal: null };
        resolve(this.exitInfo);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitInfo === null;
  }

  /** The last lines the process printed, for error messages. */
  recentOutput(): string {
    return this.tail.join('\n');
  }

  /** SIGTERM to the whole process group, SIGKILL after `graceMs`; resolves once it has exited. */
  async stop(graceMs = 5000): Promise<ProcessExit> {
    if (this.exitInfo) return this.exitInfo;
    signalGroup(this.child.pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(this.child.pid, 'SIGKILL'), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    signalGroup(this.child.pid, 'SIGKILL');
    this.log?.end();
    return exit;
  }

  /** Kills the process group at once (used when the owner is going down synchronously). */
  killNow(): void {
    signalGroup(this.child.pid, 'SIGKILL');
  }

  private record(chunk: string): void {
    this.log?.write(chunk);
    for (const line of chunk.split('\n')) {
      if (!line.trim()) continue;
      this.tail.push(line);
      if (this.tail.length > TAIL_LINES) this.tail.shift();
      this.onLine?.(line);
    }
  }
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    /* the group is already gone */
  }
}

/** Starts a child in its own process group, registered with the reaper. */
export function startProcess(name: string, command: string, args: string[], options: StartOptions = {}): ManagedProcess {
  let log: WriteStream | null = null;
  if (options.logFile) {
    mkdirSync(path.dirname(options.logFile), { recursive: true });
    log = createWriteStream(options.logFile, { flags: 'a' });
  }
  const child = spawn(command, args, {
    cwd: options.cwd,
    // Next.js declares NODE_ENV required in NodeJS.ProcessEnv; a child's environment may lack it.
    env: (options.env ?? basicEnvironment()) as NodeJS.ProcessEnv,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc ? ['ipc' as const] : options.channel ? ['pipe' as const] : [])],
  });
  reaper.register(child.pid);
  const managed = new ManagedProcess(name, child, log, options.onLine);
  live.add(managed);
  void managed.exited.then(() => live.delete(managed));
  return managed;
}

/** Starts a TypeScript module of this repository as a Node child process (through tsx). */
export function startNodeModule(name: string, modulePath: string, args: string[], options: StartOptions = {}): ManagedProcess {
  return startProcess(name, process.execPath, ['--import', 'tsx', modulePath, ...args], options);
}

const live = new Set<ManagedProcess>();

/** Stops every child this process started, in parallel. */
export async function stopAllProcesses(graceMs = 5000): Promise<void> {
  await Promise.all([...live].map((managed) => managed.stop(graceMs)));
}

/** Kills every child at once; safe to call from an exit handler. */
export function killAllProcessesNow(): void {
  for (const managed of live) managed.killNow();
}

/** The reaper process, started lazily with the first child. */
const reaper = {
  process: null as ChildProcess | null,
  register(pid: number | undefined): void {
    if (!pid) return;
    if (!this.process) {
      this.process = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'reaper.ts')], {
        detached: true,
        env: {} as NodeJS.ProcessEnv,
        stdio: ['pipe', 'ignore', 'ignore'],
      });
      this.process.unref();
      const pipe = this.process.stdin as Socket;
      pipe.on('error', () => undefined);
      pipe.unref();
    }
    this.process.stdin?.write(`+${pid}\n`);
  },
  forget(pid: number | undefined): void {
    if (pid && this.process) this.process.stdin?.write(`-${pid}\n`);
  },
};
