import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { roundFacts } from '@/lib/domain/diagnosis';
import { AGGREGATION_KEYS, LEAF_KEYS, leafKey, rollUp } from '@/lib/domain/hierarchy';
import { parseMessage, partitionKeyOf } from '@/lib/domain/message';
import { Big } from '@/lib/domain/money';
import { expectedTotals } from '@/lib/domain/totals';
import { BATCH_SIZE, DUPLICATES_PER_BATCH, makeRound, roundTotals } from './messages';
import { roundSeed, SeededRandom } from './random';

const withoutTimestamp = (data: string) => {
  const { Timestamp: _timestamp, ...rest } = JSON.parse(data) as Record<string, unknown>;
  return JSON.stringify(rest);
};

describe('seeded random numbers', () => {
  it('repeats for a seed and differs between seeds', () => {
    const first = new SeededRandom(42);
    const second = new SeededRandom(42);
    const other = new SeededRandom(43);
    const draws = Array.from({ length: 5 }, () => first.nextUint32());
    expect(Array.from({ length: 5 }, () => second.nextUint32())).toEqual(draws);
    expect(Array.from({ length: 5 }, () => other.nextUint32())).not.toEqual(draws);
  });

  it('makes version 4 UUIDs', () => {
    const random = new SeededRandom(7);
    for (let index = 0; index < 100; index++) expect(random.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('derives a stable seed per secret, team and round number, which the public slug and number alone do not give', () => {
    const secret = randomBytes(32);
    expect(roundSeed(secret, 'alpha', 3)).toBe(roundSeed(Buffer.from(secret), 'alpha', 3));
    expect(roundSeed(secret, 'alpha', 3)).not.toBe(roundSeed(secret, 'alpha', 4));
    expect(roundSeed(secret, 'alpha', 3)).not.toBe(roundSeed(secret, 'beta', 3));
    // Another event (another secret): another round for the same slug and number.
    expect(roundSeed(randomBytes(32), 'alpha', 3)).not.toBe(roundSeed(secret, 'alpha', 3));
    // What the seed was before it had a secret (SHA-256 of slug and number) no longer predicts it.
    expect(roundSeed(secret, 'alpha', 3)).not.toBe(createHash('sha256').update('alpha#3').digest().readUInt32BE(0));
  });
});

describe('making a round', () => {
  it('is reproducible from its seed: everything but Timestamp', () => {
    const early = makeRound({ seed: 99, lab: 2, messages: 2000, now: () => 1_700_000_000_000 });
    const late = makeRound({ seed: 99, lab: 2, messages: 2000, now: () => 1_800_000_000_123 });
    expect(late.records.map((record) => withoutTimestamp(record.Data))).toEqual(early.records.map((record) => withoutTimestamp(record.Data)));
    expect(late.records[0]?.Data).not.toBe(early.records[0]?.Data);
    expect(late.counts).toEqual(early.counts);
    expect(late.expected).toEqual(early.expected);
    const different = makeRound({ seed: 100, lab: 2, messages: 2000 });
    expect(different.records[0]?.Data).not.toBe(early.records[0]?.Data);
  });

  it('Lab 1: new trades only, version 0, valid messages keyed by the SHA-256 of their JSON', () => {
    const round = makeRound({ seed: 1, lab: 1, messages: 500 });
    expect(round.counts).toEqual({ messages: 500, new: 500, modifiedInOrder: 0, modifiedOutOfOrder: 0, duplicates: 0 });
    const messages = round.records.map((record) => parseMessage(record.Data));
    expect(new Set(messages.map((message) => message.TradeID)).size).toBe(500);
    expect(messages.every((message) => message.Version === 0)).toBe(true);
    for (const record of round.records) expect(record.PartitionKey).toBe(partitionKeyOf(record.Data));
    expect(new Set(messages.map((message) => leafKey(message.Hierarchy))).size).toBe(12);
  });

  it('Lab 2: every batch of 40 ends with 5 exact copies of its own fresh messages', () => {
    const round = makeRound({ seed: 5, lab: 2, messages: 10_000 });
    expect(round.counts.duplicates).toBe(1250);
    for (let start = 0; start < round.records.length; start += BATCH_SIZE) {
      const batch = round.records.slice(start, start + BATCH_SIZE);
      const fresh = batch.slice(0, BATCH_SIZE - DUPLICATES_PER_BATCH);
      expect(new Set(fresh.map((record) => record.Data)).size).toBe(fresh.length);
      for (const copy of batch.slice(BATCH_SIZE - DUPLICATES_PER_BATCH)) {
        expect(fresh.some((record) => record.Data === copy.Data && record.PartitionKey === copy.PartitionKey)).toBe(true);
      }
    }
  });

  it('Lab 2: about 3 % modifications, version 1 after version 0, else the newest minus 1, moving between leaves', () => {
    const round = makeRound({ seed: 8, lab: 2, messages: 10_000 });
    const newest = new Map<string, number>();
    const firstLeaf = new Map<string, string>();
    const seen = new Set<string>();
    let inOrder = 0;
    let outOfOrder = 0;
    let moved = 0;
    for (const record of round.records) {
      if (seen.has(record.Data)) continue;
      seen.add(record.Data);
      const message = parseMessage(record.Data);
      const current = newest.get(message.TradeID);
      if (current === undefined) {
        expect(message.Version).toBe(0);
        newest.set(message.TradeID, 0);
        firstLeaf.set(message.TradeID, leafKey(message.Hierarchy));
        continue;
      }
      if (current === 0) {
        expect(message.Version).toBe(1);
        newest.set(message.TradeID, 1);
        inOrder += 1;
      } else {
        expect(message.Version).toBe(current - 1);
        outOfOrder += 1;
      }
      if (leafKey(message.Hierarchy) !== firstLeaf.get(message.TradeID)) moved += 1;
    }
    expect(inOrder).toBe(round.counts.modifiedInOrder);
    expect(outOfOrder).toBe(round.counts.modifiedOutOfOrder);
    expect(outOfOrder).toBeGreaterThan(0);
    const fresh = round.counts.messages - round.counts.duplicates;
    expect((inOrder + outOfOrder) / fresh).toBeGreaterThan(0.02);
    expect((inOrder + outOfOrder) / fresh).toBeLessThan(0.04);
    expect(moved).toBeGreaterThan((inOrder + outOfOrder) / 2);
    expect(round.counts.new + inOrder + outOfOrder + round.counts.duplicates).toBe(round.counts.messages);
  });

  it('prorates duplicates in a short last batch', () => {
    expect(makeRound({ seed: 2, lab: 2, messages: 100 }).counts.duplicates).toBe(5 + 5 + 2);
  });

  it('expects exact totals in cents: the newest version of each trade, summed from the values on the wire', () => {
    const round = makeRound({ seed: 12, lab: 2, messages: 10_000 });
    const newest = new Map<string, { version: number; value: string; leaf: string }>();
    for (const record of round.records) {
      const value = /"Value":([0-9.]+),/.exec(record.Data)?.[1];
      if (!value) throw new Error(`no Value in ${record.Data}`);
      const message = parseMessage(record.Data);
      const held = newest.get(message.TradeID);
      if (!held || message.Version > held.version) newest.set(message.TradeID, { version: message.Version, value, leaf: leafKey(message.Hierarchy) });
    }
    const perLeaf = new Map(LEAF_KEYS.map((leaf) => [leaf, new Big(0)]));
    for (const { value, leaf } of newest.values()) perLeaf.set(leaf, (perLeaf.get(leaf) ?? new Big(0)).plus(value));
    const independent = rollUp(Object.fromEntries(LEAF_KEYS.map((leaf) => [leaf, (perLeaf.get(leaf) ?? new Big(0)).times(100).toNumber()])));
    for (const key of AGGREGATION_KEYS) {
      expect(Number.isSafeInteger(round.expected[key])).toBe(true);
      expect(round.expected[key]).toBe(independent[key]);
    }
  });
});

describe('the totals of a round without its messages (remote teams)', () => {
  it('gives exactly the counts, expected totals and diagnosis facts of the messages makeRound sends, over many seeds', () => {
    const random = new SeededRandom(2026);
    for (let sample = 0; sample < 120; sample++) {
      const plan = { seed: random.nextUint32(), lab: ((sample % 2) + 1) as 1 | 2, messages: 1 + random.int(sample < 4 ? 10_000 : 1500) };
      const totals = roundTotals(plan);
      const round = makeRound({ ...plan, now: () => 1_700_000_000_000 });
      const { records, ...made } = round;
      expect(totals).toEqual(made);
      // The domain's own functions over the messages as they go on the wire agree.
      const sent = records.map((record) => parseMessage(record.Data));
      expect(totals.expected).toEqual(expectedTotals(sent));
      expect(totals.facts).toEqual(roundFacts(sent));
      expect(totals.counts.messages).toBe(plan.messages);
    }
  });

  it('has modified trades and duplicates to diagnose in Lab 2', () => {
    const { facts, counts } = roundTotals({ seed: 8, lab: 2, messages: 10_000 });
    expect(facts.modifiedTrades.length).toBeGreaterThan(100);
    for (const versions of facts.modifiedTrades) {
      expect(versions.length).toBeGreaterThan(1);
      expect(versions[0]?.version).toBe(0);
    }
    expect(Object.values(facts.duplicateCents).reduce((sum, cents) => sum + cents, 0)).toBeGreaterThan(0);
    expect(counts.duplicates).toBe(1250);
  });
});
