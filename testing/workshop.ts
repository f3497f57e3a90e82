/**
 * `npm start` as tests run it: a child in its own process group (Ctrl-C to the group reaches every
 * part, as in a terminal), its output kept, and the way to wait for a line of it. `killWorkshops()`
 * (after each test) kills whatever is left of every workshop started, whatever happened.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { eventually } from './eventually';

const root = path.resolve(import.meta.dirname, '..');
const started: ChildProcess[] = [];

export interface Workshop {
  npm: ChildProcess;
  /** Everything it wrote so far, stdout and stderr. */
  output(): string;
  /** Its exit code once it exited. */
  exited: Promise<number | null>;
}

/** Runs `npm start [-- args]` in the repository with `env`. */
export function startWorkshop(env: NodeJS.ProcessEnv, args: string[] = []): Workshop {
  const npm = spawn('npm', ['start', ...(args.length ? ['--', ...args] : [])], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
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
