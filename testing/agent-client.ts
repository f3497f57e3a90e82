/**
 * A minimal agent of a remote team for tests: it speaks the agent protocol (docs/room.md) over HTTP
 * to a real web app with a join token, from a loopback address of its choice. It has no pipeline:
 * `playRound` reports the totals a correct pipeline would reach, computed from the round's seed as
 * the organiser computes them (or any other values a test gives), so the organiser's side of a
 * remote round is tested without a participant's stack (that is the two-stack test's part).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeRound } from '@/generator/messages';
import { AGGREGATION_KEYS, type CentsByKey, MESSAGE_COUNT_KEY } from '@/lib/domain/hierarchy';
import { centsToDecimal, toCents } from '@/lib/domain/money';
import { jsonOf, type Reply, sendTo } from './web-app';

/** A round as `rounds/next` offers it. */
export interface Offer {
  number: number;
  lab: 1 | 2;
  seed: number;
  messages: number;
  failurePercentages: Record<string, number>;
  deadlineSeconds: number;
  offeredAt: string;
  startBy: string;
  started: { startId: string; startedAt: string } | null;
}

/** The 18 keys and message_count of an AggregateTable, as the agent uploads them. */
export type Values = Record<string, string>;

/** `values` plus a round's expected change (what a correct pipeline's table holds after the round). */
export function afterRound(values: Values, expected: Readonly<CentsByKey>, messages: number): Values {
  const after: Values = { ...values };
  for (const key of AGGREGATION_KEYS) after[key] = centsToDecimal(toCents(values[key] ?? '0') + (expected[key] ?? 0));
  after[MESSAGE_COUNT_KEY] = String(Number(values[MESSAGE_COUNT_KEY] ?? '0') + messages);
  return after;
}

export class AgentClient {
  constructor(
    private readonly port: number,
    readonly token: string,
    private readonly from = '127.0.0.1',
  ) {}

  call(method: string, pathname: string, body?: unknown): Promise<Reply> {
    return sendTo(this.port, method, pathname, { body, headers: { authorization: `Bearer ${this.token}` }, from: this.from });
  }

  hello(query = 'version=test&pipeline=solution&host=test-laptop'): Promise<Reply> {
    return this.call('GET', `/api/agent/hello?${query}`);
  }

  next(after: number, waitSeconds: number): Promise<Reply> {
    return this.call('GET', `/api/agent/rounds/next?after=${after}&waitSeconds=${waitSeconds}`);
  }

  /** The offer `next` answered, or null for 204 (throws on anything else). */
  async nextOffer(after: number, waitSeconds: number): Promise<Offer | null> {
    const reply = await this.next(after, waitSeconds);
    if (reply.status === 204) return null;
    if (reply.status !== 200) throw new Error(`rounds/next answered ${reply.status} ${reply.text}`);
    return jsonOf<{ offer: Offer }>(reply).offer;
  }

  start(number: number, startId: string, baseline: Values): Promise<Reply> {
    return this.call('POST', `/api/agent/rounds/${number}/start`, { startId, baseline, unreadable: [] });
  }

  sent(number: number, report: { startId: string; acknowledged: number; durationMs: number } | { startId: string; error: string }): Promise<Reply> {
    return this.call('POST', `/api/agent/rounds/${number}/sent`, report);
  }

  table(values: Values): Promise<Reply> {
    return this.call('PUT', '/api/agent/table', { values, unreadable: [], readAt: new Date().toISOString() });
  }

  logs(entries: unknown[]): Promise<Reply> {
    return this.call('POST', '/api/agent/logs', { entries });
  }

  /**
   * Plays an offered round as an agent whose pipeline is correct (or whose table ends as `after`
   * says): start with `baseline`, report the burst sent, upload the final values. Answers them.
   */
  async playRound(offer: Offer, baseline: Values, after?: (correct: Values) => Values): Promise<Values> {
    const startId = randomUUID();
    const started = await this.start(offer.number, startId, baseline);
    if (started.status !== 200) throw new Error(`start answered ${started.status} ${started.text}`);
    const sent = await this.sent(offer.number, { startId, acknowledged: offer.messages, durationMs: 1 });
    if (sent.status !== 200) throw new Error(`sent answered ${sent.status} ${sent.text}`);
    const { expected, counts } = makeRound({ seed: offer.seed, lab: offer.lab, messages: offer.messages });
    const correct = afterRound(baseline, expected, counts.messages);
    const values = after ? after(correct) : correct;
    for (;;) {
      const uploaded = await this.table(values);
      if (uploaded.status === 200) return values;
      if (uploaded.status !== 429) throw new Error(`table answered ${uploaded.status} ${uploaded.text}`);
      await sleep(250);
    }
  }
}
