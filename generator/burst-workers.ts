/**
 * Making and sending rounds off the scheduler's event loop (issue 13 points 2 and 8). `makeRound`
 * takes ~55 ms of CPU per 10,000 messages and sending them through the AWS SDK ~85 ms; 100 `aws`
 * teams' bursts on the scheduler's one thread kept it busy for seconds at every round's start, so its
 * table reads passed their 5 s deadline and rounds were void (bench figure 7). A BurstWorkers hands
 * each round to one of a few worker threads (./burst-worker.ts), which makes it, keeps its records
 * and answers with its totals only (10,000 records no longer cross threads twice); the round's burst
 * is then sent from that worker. The main thread keeps the round's deadlines and abort signal
 * (forwarded), and the credentials: a worker asks for them per connection, and they come from this
 * thread's client for it (an assumed role's, renewed here before they expire).
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type Connection, kinesisCredentials, type SigningCredentials } from '@/lib/aws/clients';
import { errorMessage, RoleAssumptionError } from '@/lib/errors';
import type { RoundPlan, RoundTotals } from './messages';
import { SendError, type SendFailureKind, type SendOptions, type SendReport } from './sender';

/** Why credentials could not be had: with the role when it could not be assumed. */
export interface CredentialsFailure {
  message: string;
  roleArn?: string;
  externalId?: string;
}

/** What the main thread asks of a burst worker. */
export type BurstRequest =
  | {
      type: 'make';
      id: number;
      plan: Omit<RoundPlan, 'now'>;
      stampedAt?: number;
      /** Where its burst will go: the worker readies its client and credentials for it. */
      sendsTo?: Connection;
    }
  | {
      type: 'send';
      id: number;
      /** The id of the round made on this worker. */
      round: number;
      connection: Connection;
      streamName: string;
      maxAttempts?: number;
      deadlineMs?: number;
      startAt?: number;
      /** Whether to report every call's progress. */
      progress: boolean;
    }
  | { type: 'abort'; id: number; reason: string }
  | { type: 'release'; round: number }
  | { type: 'credentials'; id: number; credentials?: SigningCredentials; failure?: CredentialsFailure };

/** What a burst worker answers, or asks (credentials for a connection). */
export type BurstReply =
  | { type: 'made'; id: number; totals: RoundTotals }
  | { type: 'sent'; id: number; report: SendReport }
  | { type: 'progress'; id: number; acknowledged: number; total: number }
  | { type: 'failed'; id: number; sendError?: { kind: SendFailureKind; message: string; acknowledged: number }; error?: string }
  | { type: 'credentials'; id: number; connection: Connection };

/** A round made on a burst worker: its totals here, its records there. */
export interface MadeRound extends RoundTotals {
  /** Which worker holds its records, under which id. */
  heldBy: { worker: number; round: number };
}

/** One worker per core, at most four: a worker's CPU is the rounds it makes and sends. */
const DEFAULT_WORKERS = Math.min(4, availableParallelism());

/**
 * The worker runs TypeScript as this process does: through tsx's loader, registered in the worker
 * itself (a loader given with `--import` to the parent does not reach worker threads on Node 20).
 */
function startWorker(): Worker {
  // tsx's ESM entry, found from here (the CommonJS one that require.resolve finds does not load as a module).
  const api = path.join(path.dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/esm/api/index.mjs');
  const tsx = pathToFileURL(api).href;
  const entry = new URL('./burst-worker.ts', import.meta.url).href;
  const source = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(source, { eval: true });
}

interface Waiting {
  resolve: (value: RoundTotals | SendReport) => void;
  reject: (error: Error) => void;
  onProgress?: (acknowledged: number, total: number) => void;
}

/** What a worker's credentials request is answered with. */
async function credentialsAnswer(connection: Connection): Promise<Pick<Extract<BurstRequest, { type: 'credentials' }>, 'credentials' | 'failure'>> {
  try {
    return { credentials: await kinesisCredentials(connection) };
  } catch (error) {
    if (error instanceof RoleAssumptionError) return { failure: { message: errorMessage(error.cause), roleArn: error.roleArn, externalId: error.externalId } };
    return { failure: { message: errorMessage(error) } };
  }
}

export class BurstWorkers {
  private readonly workers: Array<Worker | null>;
  private readonly waiting = new Map<number, Waiting>();
  /** Which worker each request waits on, so that a worker's end fails only its own. */
  private readonly waitingOn = new Map<number, number>();
  private nextId = 1;
  private nextWorker = 0;

  constructor(size = DEFAULT_WORKERS) {
    this.workers = Array.from({ length: Math.max(1, size) }, () => null);
  }

  /**
   * Makes the round of `plan` on a worker, which keeps its records. Its messages' Timestamp is
   * `stampedAt` (ms since the epoch: a round made ahead of its start is stamped with the start), or
   * the worker's clock when they are made. Given `sendsTo`, the worker then readies its Kinesis
   * client for that connection and gets its credentials, so that the burst does not wait for them.
   */
  async make(plan: Omit<RoundPlan, 'now'>, stampedAt?: number, sendsTo?: Connection): Promise<MadeRound> {
    const worker = this.nextWorker;
    this.nextWorker = (this.nextWorker + 1) % this.workers.length;
    const id = this.nextId++;
    const totals = (await this.ask(worker, id, { type: 'make', id, plan, stampedAt, sendsTo })) as RoundTotals;
    return { ...totals, heldBy: { worker, round: id } };
  }

  /** Sends a made round's records into the stream from the worker that holds them; rejects with a SendError as `sendRecords` does. */
  async send(round: MadeRound, connection: Connection, streamName: string, options: SendOptions = {}): Promise<SendReport> {
    const { worker, round: roundId } = round.heldBy;
    const id = this.nextId++;
    const { signal } = options;
    const abort = () => this.workers[worker]?.postMessage({ type: 'abort', id, reason: String(signal?.reason) } satisfies BurstRequest);
    signal?.addEventListener('abort', abort, { once: true });
    try {
      const request: BurstRequest = {
        type: 'send',
        id,
        round: roundId,
        connection,
        streamName,
        maxAttempts: options.maxAttempts,
        deadlineMs: options.deadlineMs,
        startAt: options.startAt,
        progress: options.onProgress !== undefined,
      };
      return (await this.ask(worker, id, request, options.onProgress)) as SendReport;
    } finally {
      signal?.removeEventListener('abort', abort);
    }
  }

  /** Forgets a made round's records (a round made ahead and not used, or one that ended before its burst). */
  release(round: MadeRound): void {
    this.workers[round.heldBy.worker]?.postMessage({ type: 'release', round: round.heldBy.round } satisfies BurstRequest);
  }

  /** Stops the workers; rounds being made or sent fail. */
  async close(): Promise<void> {
    const workers = this.workers.splice(0, this.workers.length, ...this.workers.map(() => null));
    await Promise.all(workers.map((worker) => worker?.terminate()));
  }

  private ask(worker: number, id: number, request: BurstRequest, onProgress?: Waiting['onProgress']): Promise<RoundTotals | SendReport> {
    const thread = this.running(worker);
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject, onProgress });
      this.waitingOn.set(id, worker);
      thread.postMessage(request);
    });
  }

  private settle(id: number): Waiting | undefined {
    const waiting = this.waiting.get(id);
    this.waiting.delete(id);
    this.waitingOn.delete(id);
    return waiting;
  }

  private answer(worker: Worker, message: BurstReply): void {
    switch (message.type) {
      case 'made':
        this.settle(message.id)?.resolve(message.totals);
        return;
      case 'sent':
        this.settle(message.id)?.resolve(message.report);
        return;
      case 'progress':
        this.waiting.get(message.id)?.onProgress?.(message.acknowledged, message.total);
        return;
      case 'failed': {
        const { sendError } = message;
        this.settle(message.id)?.reject(
          sendError ? new SendError(sendError.kind, sendError.message, sendError.acknowledged) : new Error(`the burst worker failed: ${message.error}`),
        );
        return;
      }
      case 'credentials':
        void credentialsAnswer(message.connection).then((answer) =>
          worker.postMessage({ type: 'credentials', id: message.id, ...answer } satisfies BurstRequest),
        );
        return;
    }
  }

  private running(index: number): Worker {
    const existing = this.workers[index];
    if (existing) return existing;
    const worker = startWorker();
    worker.unref();
    worker.on('message', (message: BurstReply) => this.answer(worker, message));
    const failAll = (why: string) => {
      if (this.workers[index] === worker) this.workers[index] = null;
      for (const [id, on] of this.waitingOn) if (on === index) this.settle(id)?.reject(new Error(`the burst worker ${why}`));
    };
    worker.on('error', (error) => failAll(`failed: ${error.message}`));
    worker.on('exit', (code) => failAll(`exited (code ${code})`));
    this.workers[index] = worker;
    return worker;
  }
}
