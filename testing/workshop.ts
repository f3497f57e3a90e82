/**
 * `npm start` as tests run it: a child in its own process group (Ctrl-C to the group reaches every
 * part, as in a terminal), on ports the OS hands out, its output kept, the way to wait for a line of
 * it and to know that every process it started has stopped. `killWorkshops()` (after each test)
 * kills whatever is left of every workshop started, whatever happened.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { isAlive } from '@/lib/local/process-tree';
import { eventually } from './eventually';
import { freePorts } from './ports';

const root = path.resolve(import.meta.dirname, '..');
const started: ChildProcess[] = [];

export interface Workshop {
  npm: ChildProcess;
  /** Everything it wrote so far, stdout and stderr. */
  output(): string;
  /** Its exit code once it exited. */
  exited: Promise<number | null>;
}

/**
 * The ports of a whole stack as its environment variables, free now. TEAM_PORT_BASE is the first
 * port tried for the teams' DynamoDB Locals (taken ones are skipped).
 */
export async function stackPorts(): Promise<
  Record<'PORT' | 'KINESIS_PORT' | 'ORGANISER_STORE_PORT' | 'RUNTIME_PORT' | 'TEAM_PORT_BASE' | 'AGENT_STREAM_PORT', string>
> {
  const [web, kinesis, organiserStore, runtime, teamPortBase, agentStream] = (await freePorts(6)).map(String) as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return {
    PORT: web,
    KINESIS_PORT: kinesis,
    ORGANISER_STORE_PORT: organiserStore,
    RUNTIME_PORT: runtime,
    TEAM_PORT_BASE: teamPortBase,
    AGENT_STREAM_PORT: agentStream,
  };
}

/** Runs `npm start [-- args]` with `env`, in the repository or in `cwd` (a copy of it, testing/repository-copy.ts). */
export function startWorkshop(env: NodeJS.ProcessEnv, args: string[] = [], cwd = root): Workshop {
  const npm = spawn('npm', ['start', ...(args.length ? ['--', ...args] : [])], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(npm);
  let output = '';
  npm.stdout!.on('data', (chunk) => (output += chunk));
  npm.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
  return { npm, output: () => output, exited };
}

/** Waits until the workshop's output contains `line` (e.g. its banner); fails with its output when it exits first. */
export async function untilOutput(workshop: Workshop, line: string, timeoutMs: number): Promise<void> {
  let exitCode: number | null | undefined;
  void workshop.exited.then((code) => (exitCode = code));
  await eventually(
    `"${line}" in the output of npm start (or its exit)`,
    () => ({ exitCode, output: workshop.output() }),
    ({ output }) => output.includes(line) || exitCode !== undefined,
    { timeoutMs, intervalMs: 250 },
  );
  if (exitCode !== undefined) throw new Error(`npm start exited with ${exitCode} before "${line}":\n${workshop.output()}`);
}

/** Waits until every process in `pids` has exited. */
export async function allStopped(pids: readonly number[]): Promise<void> {
  await eventually(
    'every child to stop',
    () => pids.filter(isAlive),
    (alive) => alive.length === 0,
  );
}

/** Kills (SIGKILL to its process group) every workshop started, those already stopped included. */
export function killWorkshops(): void {
  for (const child of started.splice(0)) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}
