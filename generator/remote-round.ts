/**
 * One round of a remote team (room mode, docs/room.md "The organiser's side of a remote round"): the
 * round is offered to the team's agent through its record in the organiser store; the agent starts
 * it (with the baseline), sends the burst into its own stream, reports it sent and uploads its
 * AggregateTable on change. The organiser computes the expected totals from the seed without making
 * the messages (`roundTotals`) and judges the uploads exactly as it judges a table it reads itself:
 * every 500 ms, the same confirmation (still matching 1.5 s later), the same verdict and diagnosis;
 * time-to-correct is the receipt time of the first matching upload minus the start, both on the
 * organiser's clock. A machine that is not connected, too late to start, or stops before reporting
 * the burst sent fails the round `offline`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { diagnose, offlineDiagnosis } from '@/lib/domain/diagnosis';
import { type ChangeVerdict, judgeChange, type TableValues } from '@/lib/domain/verdict';
import { type AgentRecords, agentOnline, type TableUpload } from '@/lib/store/agent-records';
import type { OrganiserStore } from '@/lib/store/organiser-store';
import type { Round, RoundOffer, Team } from '@/lib/store/types';
import { roundTotals } from './messages';
import {
  expectedDecimals,
  MATCH_CONFIRMATION_MS,
  POLL_INTERVAL_MS,
  type RoundHooks,
  type RoundOutcome,
  type RoundSettings,
  stillChangingWindowMs,
} from './round';

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

export interface RemoteRoundContext {
  store: OrganiserStore;
  agents: AgentRecords;
  team: Team;
  /** The round record as written by the scheduler, with its offer. */
  round: Round;
  now?: () => number;
}

const valuesOf = (record: Record<string, string> | undefined): TableValues => new Map(Object.entries(record ?? {}));

/** Runs one round of a remote team through its agent; never throws for the team's faults. */
export async function runRemoteRound(context: RemoteRoundContext, settings: RoundSettings, hooks: RoundHooks = {}): Promise<RoundOutcome> {
  const { store, agents, team, round } = context;
  const now = context.now ?? Date.now;
  const signal = hooks.signal ?? new AbortController().signal;
  const pollIntervalMs = settings.pollIntervalMs ?? POLL_INTERVAL_MS;
  const { expected, counts, facts } = roundTotals({ seed: settings.seed, lab: settings.lab, messages: settings.messages });
  hooks.onProgress?.({ counts, expected: expectedDecimals(expected) });
  const base = { seed: settings.seed, lab: settings.lab, counts, expected, timeToCorrectMs: null };
  const end = (fields: Partial<RoundOutcome> & Pick<RoundOutcome, 'status' | 'diagnosis'>): RoundOutcome => ({
    ...base,
    ...fields,
    endedAt: new Date(now()).toISOString(),
  });
  const offline = (detail: string, fields: Partial<RoundOutcome> = {}) => end({ status: 'failed', diagnosis: offlineDiagnosis(detail), ...fields });
  const stopped = (fields: Partial<RoundOutcome> = {}) =>
    end({
      status: 'void',
      diagnosis: null,
      voidReason: typeof signal.reason === 'string' ? signal.reason : 'the round was stopped before it ended',
      ...fields,
    });
  const pause = () => sleep(pollIntervalMs, undefined, { signal }).catch(() => undefined);

  if (!agentOnline(team, now())) return offline(`the round began and ${lastSeenWords(team)}`);

  // Start: the agent's start (with its baseline) before startBy.
  const startBy = Date.parse(round.offer!.startBy);
  let current: Round | null = round;
  while (!current?.agentStart) {
    if (signal.aborted) return stopped();
    if (now() > startBy + pollIntervalMs)
      return offline(`your agent did not start the round within ${START_WITHIN_MS / 1000} s of its offer (${lastSeenWords(await store.getTeam(team.slug))})`);
    await pause();
    current = await store.getRound(team.slug, round.number);
  }
  const start = current.agentStart;
  const startedAtMs = Date.parse(start.startedAt);
  const baseline = valuesOf(current.baseline);
  const times = { baseline, sendStartedAt: start.startedAt };

  // Sent: the agent's report that the burst was sent, within the allowance.
  const sendBy = startedAtMs + sendAllowanceMs(settings.messages);
  while (!current?.agentSent) {
    if (signal.aborted) return stopped(times);
    if (now() > sendBy)
      return offline(`your agent started the round but did not report the burst sent within ${sendAllowanceMs(settings.messages) / 1000} s`, times);
    await pause();
    current = await store.getRound(team.slug, round.number);
  }
  const sent = current.agentSent;
  if (sent.error) return offline(`your agent could not send the burst whole (${sent.error})`, { ...times, sentAt: sent.sentAt });
  const deadlineMs = Date.parse(sent.sentAt) + settings.deadlineSeconds * 1000;
  const sentTimes = { ...times, sentAt: sent.sentAt, deadlineAt: new Date(deadlineMs).toISOString() };
  hooks.onProgress?.({ sentAt: sentTimes.sentAt, deadlineAt: sentTimes.deadlineAt });

  // Wait: judge the latest upload received since the start, every poll, until a confirmed match or the deadline.
  const windowMs = stillChangingWindowMs(settings.deadlineSeconds);
  let after: TableValues = baseline;
  let verdict: ChangeVerdict | undefined;
  let lastUpload: string | null = null;
  let lastChangeAt = -Infinity;
  let match: number | null = null;
  for (;;) {
    if (signal.aborted) return stopped({ ...sentTimes, after, verdict });
    const upload: TableUpload | null = await agents.tableOf(team.slug).catch(() => null);
    const polledAt = now();
    if (upload && Date.parse(upload.receivedAt) >= startedAtMs && upload.receivedAt !== lastUpload) {
      const receivedAt = Date.parse(upload.receivedAt);
      lastUpload = upload.receivedAt;
      lastChangeAt = receivedAt;
      after = valuesOf(upload.values);
      verdict = judgeChange(baseline, after, expected);
      hooks.onPoll?.(verdict, receivedAt - startedAtMs);
      match = verdict.passed ? (match ?? (receivedAt <= deadlineMs ? receivedAt : null)) : null;
    } else if (!verdict) {
      verdict = judgeChange(baseline, after, expected);
    }
    if (match !== null && polledAt - match >= MATCH_CONFIRMATION_MS) {
      return end({ status: 'passed', diagnosis: null, after, verdict, timeToCorrectMs: match - startedAtMs, ...sentTimes });
    }
    if (polledAt >= deadlineMs && match === null) break;
    await pause();
  }
  const latest = await store.getTeam(team.slug);
  if (latest && !agentOnline(latest, now()) && lastUpload === null) {
    return offline(`your agent stopped answering during the round (${lastSeenWords(latest)})`, { ...sentTimes, after, verdict });
  }
  const stillChanging = lastChangeAt >= deadlineMs - windowMs;
  return end({
    status: 'failed',
    after,
    verdict,
    diagnosis: diagnose({ lab: settings.lab, expected, baseline, after, stillChanging, facts }),
    ...sentTimes,
  });
}
