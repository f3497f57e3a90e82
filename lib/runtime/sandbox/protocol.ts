/**
 * The channel between the runtime and a team's sandbox process: JSON messages, one per line, over
 * the sandbox's file descriptor 3 (a socket pair both ways). Lines have a size limit on each side,
 * because anything in the sandbox (a handler writing to that descriptor too) may send garbage.
 */
import type { Readable } from 'node:stream';
import type { PipelineFunction } from '@/lib/pipeline-resources';
import type { InvocationError, WorkerSetup } from './worker-protocol';

/** The file descriptor of the channel inside the sandbox process. */
export const CHANNEL_FD = 3;

/** Settings of one function's execution environments (worker threads) in the sandbox. */
export interface FunctionSetup extends WorkerSetup {
  /** The worker host bundle each worker thread runs. */
  workerHostFile: string;
  /** The handler's environment variables (nothing of the host's). */
  environment: Record<string, string>;
}

export interface InvocationResult {
  outcome: 'success' | 'error' | 'timeout';
  durationMs: number;
  error?: InvocationError;
}

export type LogLevel = 'info' | 'warn' | 'error';

/** From the runtime to the sandbox. */
export type SandboxCommand =
  /** New code or environment for a function: new execution environments get it. */
  | { type: 'configure'; function: PipelineFunction; setup: FunctionSetup }
  | { type: 'invoke'; function: PipelineFunction; requestId: string; event: unknown; timeoutMs: number }
  /** The function left the wiring file: its execution environments go. */
  | { type: 'remove'; function: PipelineFunction };

/** From the sandbox to the runtime. */
export type SandboxReport =
  /** Started; with the data-size limit the operating system enforces on it (null: none, or not known). */
  | { type: 'ready'; memoryCapBytes: number | null }
  | { type: 'result'; requestId: string; result: InvocationResult }
  /** Console output of a handler (cut to a length, and dropped beyond a rate, by the sandbox). */
  | { type: 'output'; function: PipelineFunction; requestId?: string; level: LogLevel; message: string }
  /** A message of the sandbox itself about a function (output dropped, an environment that failed). */
  | { type: 'notice'; function: PipelineFunction; requestId?: string; level: LogLevel; message: string }
  /** How many execution environments (worker threads) a function has now. */
  | { type: 'environments'; function: PipelineFunction; count: number };

export class ChannelError extends Error {}

export interface ChannelLimits {
  maxLineBytes: number;
  /** More messages than this within a second is an error (no honest sender comes near it). */
  maxMessagesPerSecond?: number;
}

/**
 * Reads newline-delimited JSON from `input`, calling `onMessage` for each line; calls `onError` once
 * (and stops reading) when a line is longer than the limit or not JSON, or messages come too fast.
 */
export function readMessages(input: Readable, limits: ChannelLimits, onMessage: (message: unknown) => void, onError: (error: ChannelError) => void): void {
  const { maxLineBytes, maxMessagesPerSecond = Number.POSITIVE_INFINITY } = limits;
  let windowStart = Date.now();
  let messagesInWindow = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let failed = false;
  const fail = (message: string) => {
    failed = true;
    pending = [];
    input.removeListener('data', onData);
    input.resume();
    onError(new ChannelError(message));
  };
  const onData = (chunk: Buffer) => {
    let start = 0;
    for (let newline = chunk.indexOf(10, start); newline !== -1 && !failed; newline = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, newline);
      start = newline + 1;
      if (pendingBytes + piece.length > maxLineBytes) return fail(`a message longer than ${maxLineBytes} bytes`);
      const line = pendingBytes > 0 ? Buffer.concat([...pending, piece]).toString('utf8') : piece.toString('utf8');
      pending = [];
      pendingBytes = 0;
      if (line.length === 0) continue;
      const now = Date.now();
      if (now - windowStart >= 1000) {
        windowStart = now;
        messagesInWindow = 0;
      }
      if (++messagesInWindow > maxMessagesPerSecond) return fail(`more than ${maxMessagesPerSecond} messages in a second`);
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch {
        return fail(`a line that is not JSON: ${JSON.stringify(line.slice(0, 80))}`);
      }
      onMessage(message);
    }
    if (failed || start >= chunk.length) return;
    const rest = chunk.subarray(start);
    if (pendingBytes + rest.length > maxLineBytes) return fail(`a message longer than ${maxLineBytes} bytes`);
    pending.push(rest);
    pendingBytes += rest.length;
  };
  input.on('data', onData);
}

/** One message as a line of the channel. */
export function encodeMessage(message: SandboxCommand | SandboxReport): string {
  return `${JSON.stringify(message)}\n`;
}
