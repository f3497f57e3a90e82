/**
 * A team's sandbox process: hosts the team's execution environments (worker threads, one pool per
 * function) apart from the runtime, so that a handler that kills or exits its process, or exhausts
 * its memory, takes down only its own team's functions. The runtime starts it (bundled, with no
 * environment of the host's and a memory cap) and talks to it over the channel in protocol.ts; it
 * exits when that channel closes. Console output is cut and rate-limited here, before it travels.
 */
import { readFileSync } from 'node:fs';
import { Socket } from 'node:net';
import type { PipelineFunction } from '@/lib/pipeline-resources';
import { truncateMessage } from '../logs/log-buffer';
import { OutputLimit } from '../logs/output-limit';
import { CHANNEL_FD, encodeMessage, readMessages, type SandboxCommand, type SandboxReport } from './protocol';
import { WorkerPool } from './worker-pool';

/** An invoke command carries a batch of at most 6 MB of records (as JSON, a little more). */
const MAX_COMMAND_BYTES = 16 * 1024 * 1024;

const channel = new Socket({ fd: CHANNEL_FD, readable: true, writable: true });
const send = (report: SandboxReport) => channel.write(encodeMessage(report));
const outputLimit = new OutputLimit();
const droppedLines = new Map<PipelineFunction, number>();
const pools = new Map<PipelineFunction, WorkerPool>();

function output(fn: PipelineFunction, requestId: string | undefined, level: 'info' | 'warn' | 'error', message: string): void {
  if (outputLimit.admit()) send({ type: 'output', function: fn, requestId, level, message: truncateMessage(message) });
  else droppedLines.set(fn, (droppedLines.get(fn) ?? 0) + 1);
}

setInterval(() => {
  for (const [fn, dropped] of droppedLines) send({ type: 'notice', function: fn, level: 'warn', message: outputLimit.droppedNote(dropped) });
  droppedLines.clear();
}, 1_000).unref();

function pool(fn: PipelineFunction): WorkerPool {
  let existing = pools.get(fn);
  if (!existing) {
    existing = new WorkerPool({
      output: (requestId, level, message) => output(fn, requestId, level, message),
      notice: (requestId, level, message) => send({ type: 'notice', function: fn, requestId, level, message: truncateMessage(message) }),
      size: (count) => send({ type: 'environments', function: fn, count }),
    });
    pools.set(fn, existing);
  }
  return existing;
}

function handle(command: SandboxCommand): void {
  if (command.type === 'configure') {
    pool(command.function).configure(command.setup);
  } else if (command.type === 'invoke') {
    void pool(command.function)
      .invoke(command.requestId, command.event, command.timeoutMs)
      .then((result) => send({ type: 'result', requestId: command.requestId, result }));
  } else if (command.type === 'remove') {
    void pools.get(command.function)?.stop();
    pools.delete(command.function);
  }
}

/** The data-size limit the operating system enforces on this process (null where there is none or /proc is missing). */
function memoryCapBytes(): number | null {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('Max data size'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft && /^\d+$/.test(soft) ? Number(soft) : null;
  } catch {
    return null;
  }
}

readMessages(
  channel,
  { maxLineBytes: MAX_COMMAND_BYTES },
  (message) => handle(message as SandboxCommand),
  (error) => {
    process.stderr.write(`sandbox: the runtime's channel broke: ${error.message}\n`);
    process.exit(70);
  },
);
channel.on('close', () => process.exit(0));
channel.on('error', () => process.exit(0));
send({ type: 'ready', memoryCapBytes: memoryCapBytes() });
