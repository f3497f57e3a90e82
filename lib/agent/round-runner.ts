/**
 * One remote round on the participant's machine (docs/room.md): exactly what the scheduler does for
 * a local team up to the burst — write the lab's failure percentages, read the baseline, make the
 * round's messages from its seed, send them into the team's stream — between the organiser's
 * conditional `start` and the `sent` report, at most once: the journal records the attempt before
 * the start call and before the first record goes out, so a restart never sends a round again.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeRound } from '@/generator/messages';
import { type TeamTarget, writeFailurePercentages } from '@/generator/round';
import { sendRecords } from '@/generator/sender';
import { errorMessage } from '@/lib/errors';
import { MAX_SENT_ERROR_CHARS } from '../api/agent-schemas';
import type { JournalEntry, RoundJournal } from './journal';
import type { OrganiserClient } from './organiser-client';
import { AgentCallRefusedError, OrganiserUnreachableError } from './organiser-errors';
import type { RoundOffer, SentBody, TableReport } from './protocol';
import { readTableReport } from './table-report';

/** Pause between retries of a start or sent call the network dropped. */
const RETRY_PAUSE_MS = [250, 500, 1000, 2000, 4000];

export interface RoundRunnerOptions {
  client: OrganiserClient;
  journal: RoundJournal;
  target: TeamTarget;
  /** A line for the participant's terminal. */
  report: (line: string) => void;
  signal: AbortSignal;
}

/** What became of an offered round on this machine. */
export type RoundResult =
  | { kind: 'sent'; acknowledged: number; durationMs: number }
  | { kind: 'not-sent'; why: string }
  /** Another run of the agent holds the round: leave it alone. */
  | { kind: 'elsewhere' };

export class RoundRunner {
  constructor(private readonly options: RoundRunnerOptions) {}

  /** Handles an offer: a fresh round is started and sent; a started one is resumed from the journal. */
  async handle(offer: RoundOffer): Promise<RoundResult> {
    const entry = this.options.journal.get(offer.number);
    if (offer.started) return this.resume(offer, offer.started.startId, entry);
    // Not started on the organiser: a journal entry past `starting` is from another game, forgotten.
    const startId = entry?.state === 'starting' ? entry.startId : randomUUID();
    return this.startAndSend(offer, startId);
  }

  private async resume(offer: RoundOffer, startId: string, entry: JournalEntry | undefined): Promise<RoundResult> {
    const { report } = this.options;
    if (entry?.startId !== startId) {
      const why = `this machine has no record of starting round ${offer.number} (its journal ${this.options.journal.file} was lost, or another run of the agent started it): not sent, so that it is never sent twice`;
      report(`round ${offer.number}: ${why}`);
      return this.reportSent(offer.number, { startId, error: why });
    }
    if (entry.state === 'starting') {
      report(`round ${offer.number}: resuming (started, nothing sent yet)`);
      return this.send(offer, startId);
    }
    if (entry.state === 'sending') {
      const why = `the agent stopped during the burst of round ${offer.number}: not resent, so that no record is sent twice`;
      report(`round ${offer.number}: ${why}`);
      this.options.journal.record({ round: offer.number, startId, state: 'sent', error: why });
      return this.reportSent(offer.number, { startId, error: why });
    }
    report(`round ${offer.number}: already sent; reporting it again`);
    return this.reportSent(
      offer.number,
      entry.error !== undefined ? { startId, error: entry.error } : { startId, acknowledged: entry.acknowledged ?? 0, durationMs: entry.durationMs ?? 0 },
    );
  }

  private async startAndSend(offer: RoundOffer, startId: string): Promise<RoundResult> {
    const { target, journal, report } = this.options;
    let baseline: TableReport | null = null;
    let problem: string | null = null;
    try {
      await writeFailurePercentages(target, offer.failurePercentages);
      baseline = await readTableReport(target.connection, target.resources.aggregateTable, this.options.signal);
    } catch (error) {
      problem = `round ${offer.number} was not sent: ${errorMessage(error)}`;
    }
    journal.record({ round: offer.number, startId, state: 'starting' });
    const started = await this.call(offer.number, 'start', () =>
      this.options.client.start(offer.number, { startId, baseline: baseline?.values ?? {}, unreadable: baseline?.unreadable ?? [] }, this.options.signal),
    );
    if ('refused' in started) {
      if (started.refused.reason === 'started-elsewhere') {
        report(`round ${offer.number}: another run of the agent for this team started it; not sending`);
        return { kind: 'elsewhere' };
      }
      report(`round ${offer.number}: not started: ${started.refused.message}`);
      return { kind: 'not-sent', why: started.refused.message };
    }
    if (problem) {
      report(problem);
      journal.record({ round: offer.number, startId, state: 'sent', error: problem });
      return this.reportSent(offer.number, { startId, error: problem });
    }
    return this.send(offer, startId);
  }

  private async send(offer: RoundOffer, startId: string): Promise<RoundResult> {
    const { target, journal, report } = this.options;
    const generated = makeRound({ seed: offer.seed, lab: offer.lab, messages: offer.messages });
    journal.record({ round: offer.number, startId, state: 'sending' });
    let body: SentBody;
    try {
      const sent = await sendRecords(target.connection, target.resources.streamName, generated.records, { signal: this.options.signal });
      const durationMs = Math.round(sent.durationMs);
      journal.record({ round: offer.number, startId, state: 'sent', acknowledged: sent.records, durationMs });
      report(`round ${offer.number}: sent ${sent.records.toLocaleString('en')} records (lab ${offer.lab}) in ${(durationMs / 1000).toFixed(1)} s`);
      body = { startId, acknowledged: sent.records, durationMs };
    } catch (error) {
      if (this.options.signal.aborted) throw error;
      const why = `the burst of round ${offer.number} could not be sent whole into ${target.resources.streamName}: ${errorMessage(error)}`.slice(
        0,
        MAX_SENT_ERROR_CHARS,
      );
      journal.record({ round: offer.number, startId, state: 'sent', error: why });
      report(why);
      body = { startId, error: why };
    }
    return this.reportSent(offer.number, body);
  }

  private async reportSent(round: number, body: SentBody): Promise<RoundResult> {
    const reported = await this.call(round, 'sent', () => this.options.client.sent(round, body, this.options.signal));
    if ('refused' in reported) this.options.report(`round ${round}: the organiser did not take the sent report: ${reported.refused.message}`);
    return 'error' in body ? { kind: 'not-sent', why: body.error } : { kind: 'sent', acknowledged: body.acknowledged, durationMs: body.durationMs };
  }

  /**
   * Makes a call until the organiser answers it: a dropped call is made again (start and sent are
   * idempotent for one startId); a refusal (409, 404, …) is returned, not thrown.
   */
  private async call<T>(round: number, what: string, call: () => Promise<T>): Promise<{ answer: T } | { refused: AgentCallRefusedError }> {
    for (let attempt = 0; ; attempt++) {
      try {
        return { answer: await call() };
      } catch (error) {
        if (error instanceof AgentCallRefusedError) return { refused: error };
        if (!(error instanceof OrganiserUnreachableError)) throw error;
        const pause = error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 : (RETRY_PAUSE_MS[attempt] ?? RETRY_PAUSE_MS.at(-1)!);
        if (attempt === 2) this.options.report(`round ${round}: ${what} did not reach the organiser (${error.message}); still trying`);
        await sleep(pause, undefined, { signal: this.options.signal });
      }
    }
  }
}
