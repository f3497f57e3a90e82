/**
 * Messages between the sandbox's main thread and a function's worker thread (one Lambda execution
 * environment), and how an error thrown by a handler is reported.
 */
import { errorMessage } from '@/lib/errors';

export interface WorkerSetup {
  /** The handler's bundle (ESM). */
  bundleFile: string;
  /** e.g. "state.ts" (for error messages). */
  handlerLabel: string;
  functionName: string;
  memoryLimitInMB: number;
  region: string;
  accountId: string;
}

export interface InvocationError {
  type: string;
  message: string;
  stack?: string;
}

export interface InvokeMessage {
  type: 'invoke';
  requestId: string;
  event: unknown;
  /** Epoch ms after which the invocation is timed out. */
  deadline: number;
}

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'init-error'; error: InvocationError }
  | { type: 'log'; requestId?: string; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'result'; requestId: string; error?: InvocationError };

/** An error (or any thrown value) as the Lambda runtime reports it: type, message, stack. */
export function describeError(error: unknown): InvocationError {
  if (error instanceof Error) return { type: error.name, message: error.message, stack: error.stack };
  return { type: typeof error, message: errorMessage(error) };
}
