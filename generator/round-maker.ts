/**
 * Making rounds off the event loop (issue 13 point 2): `makeRound` took ~290 ms of CPU per team at
 * 10,000 messages (~55 ms since it serialises each message once and tallies in integer cents), so
 * 30 teams made on the scheduler's thread blocked it for ~9 s, past lease renewals and polls. A RoundMaker hands each plan to one worker thread (./generation-worker.ts)
 * and resolves with the round it posts back; the worker runs on the second core. Measured with
 * `npx tsx bench/generation-blocking.ts`: see that file and the commit that added it.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { GeneratedRound, RoundPlan } from './messages';

type Reply = { id: number; round: GeneratedRound } | { id: number; error: string };

/**
 * The worker runs TypeScript as this process does: through tsx's loader, registered in the worker
 * itself (a loader given with `--import` to the parent does not reach worker threads on Node 20).
 */
function startWorker(): Worker {
  // tsx's ESM entry, found from here (the CommonJS one that require.resolve finds does not load as a module).
  const api = path.join(path.dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/esm/api/index.mjs');
  const tsx = pathToFileURL(api).href;
  const entry = new URL('./generation-worker.ts', import.meta.url).href;
  const source = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(source, { eval: true });
}

export class RoundMaker {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (round: GeneratedRound) => void; reject: (error: Error) => void }>();

  /**
   * Makes the round of `plan` on the worker thread. Its messages' Timestamp is `stampedAt`
   * (milliseconds since the epoch: a round made ahead of its start is stamped with the start), or
   * the worker's clock when they are made.
   */
  make(plan: Omit<RoundPlan, 'now'>, stampedAt?: number): Promise<GeneratedRound> {
    const worker = this.running();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, plan, stampedAt });
    });
  }

  /** Stops the worker; rounds still being made fail. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }

  private running(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker();
    worker.unref();
    worker.on('message', (reply: Reply) => {
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if ('round' in reply) waiting?.resolve(reply.round);
      else waiting?.reject(new Error(`making the round failed: ${reply.error}`));
    });
    const failAll = (why: string) => {
      if (this.worker === worker) this.worker = null;
      for (const waiting of this.pending.values()) waiting.reject(new Error(`the round generation worker ${why}`));
      this.pending.clear();
    };
    worker.on('error', (error) => failAll(`failed: ${error.message}`));
    worker.on('exit', (code) => failAll(`exited (code ${code})`));
    this.worker = worker;
    return worker;
  }
}
