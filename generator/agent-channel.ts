/**
 * The team channel of a remote team (room mode, docs/room.md "The organiser's side of a remote
 * round"): the round is offered to the team's agent with its record in the organiser store (the
 * scheduler writes the offer with the round, and sends it down the team's agent stream when the
 * agent is linked: lib/agent-stream/hub.ts); the agent starts it with its baseline, sends the burst
 * from the seed into its own stream, reports it sent and uploads its AggregateTable on change. So
 * `prepare` waits for the agent's start, `send` for its report that the burst was sent, and `read`
 * answers the latest upload received since the start, with the organiser's time of receipt: the
 * round (./round.ts) waits, confirms, judges and diagnoses it as it does a table it reads itself,
 * and time-to-correct is the receipt of the first matching upload minus the start. A machine not
 * connected when the round begins, that does not start within 15 s of the offer, does not report
 * the burst sent in time (or reports it could not send it whole), or stops answering before any
 * upload, fails the round `offline` (AgentOfflineError).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { TableValues } from '@/lib/domain/verdict';
import { AgentOfflineError } from '@/lib/errors';
import { agentOnline, type RemoteRoundReads } from '@/lib/store/agent-records';
import type { Round, RoundOffer, Team } from '@/lib/store/types';
import type { RoundTotals } from './messages';
import type { RoundSettings } from './round';
import type { TableRead, TeamChannel } from './team-channel';

/**
 * How often a remote round looks at the agent's reports and uploads in the organiser store: every
 * look is a store read, and the organiser's clock stamps each upload's receipt, so looking less
 * often than a local table's poll delays only when the round closes, not its time-to-correct.
 */
export const REMOTE_POLL_INTERVAL_MS = 2000;

/**
 * A remote round's look waits this long for other rounds' looks to share its store call (the
 * scheduler's BatchedGets): rounds begun together look within it of each other, and a look only
 * delays when the round closes, not what it reads.
 */
export const REMOTE_READ_WINDOW_MS = 250;

/** The agent must start an offered round within this. */
export const START_WITHIN_MS = 15_000;

/** How long the organiser waits for `sent` after the start: 60 s plus 1 s per 1,000 messages. */
export function sendAllowanceMs(messages: number): number {
  return 60_000 + Math.ceil(messages / 1000) * 1000;
}

/** The offer a remote team's round record carries (written with the round). */
export function roundOffer(settings: Pick<RoundSettings, 'messages' | 'deadlineSeconds' | 'failurePercentages'>, offeredAt: Date): RoundOffer {
  return {
    messages: settings.messages,
    failurePercentages: settings.failurePercentages ?? { state: 0, map: 0, reduce: 0 },
    deadlineSeconds: settings.deadlineSeconds,
    offeredAt: offeredAt.toISOString(),
    startBy: new Date(offeredAt.getTime() + START_WITHIN_MS).toISOString(),
  };
}

function lastSeenWords(team: Pick<Team, 'remote'> | null): string {
  const seen = team?.remote?.lastSeenAt;
  return seen ? `it was last seen at ${seen}` : 'it has never connected';
}

const valuesOf = (record: Record<string, string> | undefined): TableValues => new Map(Object.entries(record ?? {}));

export interface AgentChannelContext {
  /** The round record, the agent's upload and the team record as the round looks at them (the scheduler's: from its agent stream's memory while the agent is linked, else from the store batched across its remote rounds). */
  reads: RemoteRoundReads;
  /** The team as it was when the round began. */
  team: Team;
  /** The round record as written by the scheduler, with its offer. */
  round: Round;
  /** How often the round record is looked at while waiting for the agent's reports (default REMOTE_POLL_INTERVAL_MS). */
  pollIntervalMs?: number;
}

/** The channel to a remote team: its agent's reports on the round record, and its uploaded table. */
export function agentChannel(context: AgentChannelContext): TeamChannel<RoundTotals> {
  const { reads, team, round } = context;
  const offer = round.offer;
  if (!offer) throw new Error(`round ${round.number} of ${team.slug} was not offered to its agent`);
  const pollIntervalMs = context.pollIntervalMs ?? REMOTE_POLL_INTERVAL_MS;
  /** The agent's start (organiser's clock), once it came. */
  let startedAt = Number.NaN;
  /** What `read` last answered (the baseline until the first upload since the start), and the receipt of that upload. */
  let latest: TableRead = { values: new Map(), since: Number.NaN };
  let latestReceipt: string | null = null;

  /** Looks at the round record every poll until `report` finds the agent's report there; past `by`, the round fails `offline` in `late`'s words. */
  async function awaitReport<T>(signal: AbortSignal, report: (round: Round) => T | undefined, by: number, late: () => Promise<string>): Promise<T> {
    for (;;) {
      const began = Date.now();
      const current = await reads.round(team.slug, round.number);
      const found = current ? report(current) : undefined;
      if (found) return found;
      signal.throwIfAborted();
      if (Date.now() > by) throw new AgentOfflineError(await late());
      // Every poll interval from the first look, as the round's table polls go: rounds begun together keep looking together.
      await sleep(Math.max(0, pollIntervalMs - (Date.now() - began)), undefined, { signal });
    }
  }

  return {
    async prepare(_failurePercentages, signal) {
      // The offer carries the failure percentages: the agent writes them into its own ParameterTable.
      if (!agentOnline(team, Date.now())) throw new AgentOfflineError(`the round began and ${lastSeenWords(team)}`);
      const started = await awaitReport(
        signal,
        (current) => current.agentStart && { start: current.agentStart, baseline: valuesOf(current.baseline) },
        Date.parse(offer.startBy) + pollIntervalMs,
        async () => `your agent did not start the round within ${START_WITHIN_MS / 1000} s of its offer (${lastSeenWords(await reads.team(team.slug))})`,
      );
      startedAt = Date.parse(started.start.startedAt);
      latest = { values: started.baseline, since: startedAt };
      return { baseline: started.baseline, sendingSince: startedAt };
    },

    async send(generated, options) {
      const allowanceMs = sendAllowanceMs(generated.counts.messages);
      const sent = await awaitReport(
        options.signal,
        (current) => current.agentSent,
        startedAt + allowanceMs,
        async () => `your agent started the round but did not report the burst sent within ${allowanceMs / 1000} s`,
      );
      if (sent.error) throw new AgentOfflineError(`your agent could not send the burst whole (${sent.error})`);
      return { sentAt: Date.parse(sent.sentAt) };
    },

    async read() {
      const upload = await reads.upload(team.slug).catch(() => null);
      const receivedAt = upload ? Date.parse(upload.receivedAt) : Number.NaN;
      if (upload && receivedAt >= startedAt) {
        // Never back to an older upload than one already read: an agent whose stream dropped uploads
        // over HTTP meanwhile, and the stream's memory, linked again, may hold an older one.
        if (upload.receivedAt !== latestReceipt && receivedAt >= latest.since) {
          latest = { values: valuesOf(upload.values), since: receivedAt };
          latestReceipt = upload.receivedAt;
        }
        return latest;
      }
      const current = await reads.team(team.slug).catch(() => null);
      if (current && !agentOnline(current, Date.now()))
        throw new AgentOfflineError(`your agent stopped answering during the round (${lastSeenWords(current)})`);
      return latest;
    },
  };
}
