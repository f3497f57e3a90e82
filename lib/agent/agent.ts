/**
 * The participant's agent (docs/room.md): joins the organiser's game with the team's join token and
 * then, until stopped, long polls for the team's rounds and runs each one (round-runner.ts), uploads
 * the team's AggregateTable when it changes (read every `tableUploadMinIntervalMs`: a change is
 * uploaded as soon as it has settled, read twice alike, and while the table keeps changing at most
 * every `tableChangingUploadIntervalMs`), and forwards the team's function logs from the local runtime. A dropped connection is retried with
 * backoff; a refused token (401) stops the agent with TokenRefusedError. While it runs it keeps the
 * organiser's agent stream open (./organiser-stream.ts), over which the same calls go when it can.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { TeamTarget } from '@/generator/round';
import { fetchJson, timeoutSignal } from '@/lib/async';
import { errorMessage, TokenRefusedError } from '@/lib/errors';
import type { LogEntry } from '@/lib/runtime/logs/log-entry';
import { Backoff } from './backoff';
import { RoundJournal } from './journal';
import type { OrganiserClient } from './organiser-client';
import { OrganiserUnreachableError } from './organiser-errors';
import type { Hello, TableReport } from './protocol';
import { RoundRunner } from './round-runner';
import { readTableReport, sameReport } from './table-report';

/** A round another run of the agent holds is offered again at once: look again this much later. */
const ELSEWHERE_PAUSE_MS = 2000;

export interface AgentOptions {
  client: OrganiserClient;
  hello: Hello;
  target: TeamTarget;
  /** Where the round journal lives (`<WORKSHOP_DATA_DIR>/agent`). */
  journalDirectory: string;
  /** The local function runtime's URL (its `/logs`). */
  runtimeUrl: string;
  report: (line: string) => void;
}

/** Calls `hello` until the organiser answers; a refused token throws TokenRefusedError at once. */
export async function joinOrganiser(client: OrganiserClient, report: (line: string) => void, signal?: AbortSignal): Promise<Hello> {
  const backoff = new Backoff();
  for (;;) {
    try {
      return await client.hello(signal);
    } catch (error) {
      if (!(error instanceof OrganiserUnreachableError)) throw error;
      const pause = error.retryAfterSeconds ? error.retryAfterSeconds * 1000 : backoff.next();
      report(`${error.message}; trying again in ${Math.round(pause / 1000)} s (Ctrl-C to stop)`);
      await sleep(pause, undefined, { signal });
    }
  }
}

export class Agent {
  private readonly journal: RoundJournal;
  private readonly controller = new AbortController();
  private readonly connection = new Backoff();
  private uploadWanted = true;
  private lastUpload: TableReport | null = null;
  private lastLogId = 0;

  constructor(private readonly options: AgentOptions) {
    const scope = `${options.client.baseUrl}#${options.hello.team.slug}`;
    const { journal, problem } = RoundJournal.open(options.journalDirectory, scope);
    this.journal = journal;
    if (problem) options.report(problem);
  }

  /** Runs until `stop()`; rejects with TokenRefusedError when the organiser refuses the token. */
  async run(): Promise<void> {
    const stream = this.options.client.stream.run(this.signal, this.options.report);
    const loops = [stream, this.roundsLoop(), this.tableLoop(), this.logsLoop()].map((loop) =>
      loop.catch((error: unknown) => {
        this.controller.abort(error);
        throw error;
      }),
    );
    const outcomes = await Promise.allSettled(loops);
    const refused = outcomes.find((outcome) => outcome.status === 'rejected' && outcome.reason instanceof TokenRefusedError);
    if (refused?.status === 'rejected') throw refused.reason;
  }

  stop(): void {
    this.controller.abort(new Error('the agent was stopped'));
  }

  private get signal(): AbortSignal {
    return this.controller.signal;
  }

  /**
   * Waits out a failed organiser call (Retry-After, else `backoff`). The rounds loop's backoff is
   * the connection's: it says when the organiser is lost and when it is back.
   */
  private async organiserFailed(error: OrganiserUnreachableError, backoff = this.connection): Promise<void> {
    if (backoff === this.connection && !backoff.failing) this.options.report(`lost the organiser: ${error.message}; reconnecting with backoff`);
    const pause = error.retryAfterSeconds ? error.retryAfterSeconds * 1000 : backoff.next();
    await sleep(pause, undefined, { signal: this.signal });
  }

  private organiserAnswered(): void {
    if (this.connection.failing) this.options.report('reconnected to the organiser');
    this.connection.reset();
  }

  private async roundsLoop(): Promise<void> {
    const runner = new RoundRunner({
      client: this.options.client,
      journal: this.journal,
      target: this.options.target,
      report: this.options.report,
      signal: this.signal,
    });
    const elsewhere = new Set<number>();
    let after = 0;
    while (!this.signal.aborted) {
      try {
        const offer = await this.options.client.nextRound(after, this.options.hello.agent.longPollSeconds, this.signal);
        this.organiserAnswered();
        if (!offer) continue;
        if (offer.started && elsewhere.has(offer.number)) {
          await sleep(ELSEWHERE_PAUSE_MS, undefined, { signal: this.signal });
          continue;
        }
        const result = await runner.handle(offer);
        if (result.kind === 'elsewhere') elsewhere.add(offer.number);
        if (result.kind === 'sent') this.uploadWanted = true;
        after = Math.max(after, offer.number);
      } catch (error) {
        if (this.signal.aborted) return;
        if (error instanceof TokenRefusedError) throw error;
        if (error instanceof OrganiserUnreachableError) {
          await this.organiserFailed(error);
          continue;
        }
        this.options.report(`the agent hit an error while handling rounds: ${errorMessage(error)}`);
        await sleep(this.connection.next(), undefined, { signal: this.signal });
      }
    }
  }

  /**
   * Reads the table every tableUploadMinIntervalMs and uploads it when it differs from the last
   * upload (and after each burst): at once when this read equals the one before (the pipeline's
   * writes settled, e.g. the round's final totals, whose receipt time-to-correct counts from), else
   * once it has been changing for tableChangingUploadIntervalMs, so each burst of Reduce's writes
   * costs the organiser one request, and a table changing for seconds one every 2 s, not four a second.
   */
  private async tableLoop(): Promise<void> {
    const { target, hello, client } = this.options;
    const interval = Math.max(hello.agent.tableUploadMinIntervalMs, 50);
    const backoff = new Backoff();
    let readProblem = '';
    let previousRead: TableReport | null = null;
    /** When the reads began to differ from the last upload without settling (null while they do not). */
    let changingSince: number | null = null;
    while (!this.signal.aborted) {
      const began = performance.now();
      try {
        const report = await readTableReport(target.connection, target.resources.aggregateTable, this.signal);
        readProblem = '';
        const settled = previousRead !== null && sameReport(report, previousRead);
        previousRead = report;
        const changed = !this.lastUpload || !sameReport(report, this.lastUpload);
        let changingForMs = 0;
        if (changed) {
          changingSince ??= began;
          changingForMs = began - changingSince;
        } else changingSince = null;
        if (this.uploadWanted || (changed && (settled || changingForMs >= hello.agent.tableChangingUploadIntervalMs))) {
          this.uploadWanted = false;
          try {
            await client.putTable({ ...report, readAt: new Date().toISOString() }, this.signal);
            this.lastUpload = report;
            changingSince = null;
            backoff.reset();
          } catch (error) {
            this.uploadWanted = true;
            if (error instanceof OrganiserUnreachableError) {
              await this.organiserFailed(error, backoff);
              continue;
            }
            throw error;
          }
        }
      } catch (error) {
        if (this.signal.aborted) return;
        if (error instanceof TokenRefusedError) throw error;
        const problem = errorMessage(error);
        if (problem !== readProblem) this.options.report(`could not upload the team's table: ${problem}`);
        readProblem = problem;
      }
      await sleep(Math.max(0, interval - (performance.now() - began)), undefined, { signal: this.signal }).catch(() => undefined);
    }
  }

  /**
   * Forwards the newest function log entries every logForwardIntervalMs, in one call (at most
   * logEntriesPerCall: the organiser keeps only the newest), and no call when nothing new was logged.
   */
  private async logsLoop(): Promise<void> {
    const { client, hello, runtimeUrl } = this.options;
    const interval = Math.max(hello.agent.logForwardIntervalMs, 250);
    while (!this.signal.aborted) {
      await sleep(interval, undefined, { signal: this.signal }).catch(() => undefined);
      if (this.signal.aborted) return;
      let entries: LogEntry[];
      try {
        const url = `${runtimeUrl}/logs?team=${encodeURIComponent(hello.team.slug)}&limit=${hello.agent.logEntriesPerCall}`;
        ({ entries } = await fetchJson<{ entries: LogEntry[] }>(url, timeoutSignal(5000, this.signal)));
      } catch {
        continue; // the runtime is restarting (or answered an error): its logs come back with it
      }
      const newest = entries.at(-1)?.id ?? 0;
      if (newest < this.lastLogId) this.lastLogId = 0; // a restarted runtime numbers its entries afresh
      const fresh = entries.filter((entry) => entry.id > this.lastLogId);
      if (fresh.length === 0) continue;
      try {
        await client.postLogs({ entries: fresh }, this.signal);
        this.lastLogId = newest;
      } catch (error) {
        if (this.signal.aborted) return;
        if (error instanceof TokenRefusedError) throw error;
        if (!(error instanceof OrganiserUnreachableError)) this.options.report(`could not forward function logs: ${errorMessage(error)}`);
      }
    }
  }
}
