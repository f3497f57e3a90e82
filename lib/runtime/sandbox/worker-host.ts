/**
 * Runs inside a worker thread as one warm execution environment of a function: loads the handler
 * bundle once, then runs one invocation at a time with a Lambda-like context, forwarding console output.
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { parentPort, workerData } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import { describeError, type InvokeMessage, type WorkerMessage, type WorkerSetup } from './worker-protocol';

type Handler = (event: unknown, context: Context, callback: (error?: unknown, result?: unknown) => void) => unknown;

const setup = workerData as WorkerSetup;
const port = parentPort!;
const post = (message: WorkerMessage) => port.postMessage(message);

let currentRequestId: string | undefined;
const forward =
  (level: 'info' | 'warn' | 'error') =>
  (...args: unknown[]) =>
    post({ type: 'log', requestId: currentRequestId, level, message: format(...args) });
console.log = forward('info');
console.info = forward('info');
console.debug = forward('info');
console.trace = forward('info');
console.warn = forward('warn');
console.error = forward('error');

const today = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
const logStreamName = `${today}/[$LATEST]${randomBytes(16).toString('hex')}`;
// Each execution environment has a log stream of its own, as on Lambda.
process.env.AWS_LAMBDA_LOG_STREAM_NAME = logStreamName;

function lambdaContext(message: InvokeMessage, complete: (error?: unknown, result?: unknown) => void): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: setup.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${setup.region}:${setup.accountId}:function:${setup.functionName}`,
    memoryLimitInMB: String(setup.memoryLimitInMB),
    awsRequestId: message.requestId,
    logGroupName: `/aws/lambda/${setup.functionName}`,
    logStreamName,
    getRemainingTimeInMillis: () => Math.max(0, message.deadline - Date.now()),
    done: (error?: Error, result?: unknown) => complete(error, result),
    fail: (error: Error | string) => complete(error ?? new Error('context.fail')),
    succeed: (result: unknown) => complete(undefined, result),
  };
}

/** Runs the handler the ways Lambda's Node.js runtime accepts: a promise, or the callback. */
function run(handler: Handler, message: InvokeMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const complete = (error?: unknown) => {
      if (settled) return;
      settled = true;
      if (error !== undefined && error !== null) reject(error);
      else resolve();
    };
    try {
      const returned = handler(message.event, lambdaContext(message, complete), complete);
      if (returned && typeof (returned as Promise<unknown>).then === 'function') {
        (returned as Promise<unknown>).then(
          () => complete(),
          (error: unknown) => complete(error ?? new Error('handler rejected')),
        );
      } else if (handler.length < 3) {
        complete();
      }
    } catch (error) {
      complete(error ?? new Error('handler threw'));
    }
  });
}

async function main(): Promise<void> {
  let handler: Handler;
  try {
    const module = (await import(pathToFileURL(setup.bundleFile).href)) as { handler?: unknown };
    if (typeof module.handler !== 'function') {
      post({ type: 'init-error', error: { type: 'Runtime.HandlerNotFound', message: `${setup.handlerLabel} does not export a function named "handler"` } });
      return;
    }
    handler = module.handler as Handler;
  } catch (error) {
    const cause = describeError(error);
    post({ type: 'init-error', error: { type: 'Runtime.ImportModuleError', message: `${cause.type}: ${cause.message}`, stack: cause.stack } });
    return;
  }
  port.on('message', (message: InvokeMessage) => {
    currentRequestId = message.requestId;
    run(handler, message).then(
      () => post({ type: 'result', requestId: message.requestId }),
      (error: unknown) => post({ type: 'result', requestId: message.requestId, error: describeError(error) }),
    );
  });
  post({ type: 'ready' });
}

void main();
