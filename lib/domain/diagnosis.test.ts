import { describe, expect, it } from 'vitest';
import { type DiagnosisInput, diagnose, roundFacts } from './diagnosis';
import { AGGREGATION_KEYS, type CentsByKey, LEAF_KEYS, leafKey, type REGIONS, type RISK_TYPES, rollUp, type TRADE_DESKS } from './hierarchy';
import type { RiskMessage } from './message';
import { Big, centsToDecimal, toCents } from './money';
import { expectedTotals } from './totals';
import { judgeChange, type TableValues } from './verdict';

/** A small deterministic source of numbers for building rounds by hand (a 32-bit LCG). */
function numbers(seed: number) {
  let state = seed >>> 0;
  return (bound: number) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return Math.floor((state / 2 ** 32) * bound);
  };
}

function message(TradeID: string, cents: number, Version: number, leafIndex: number): RiskMessage {
  const [RiskType, TradeDesk, Region] = LEAF_KEYS[leafIndex]!.split(':') as [
    (typeof RISK_TYPES)[number],
    (typeof TRADE_DESKS)[number],
    (typeof REGIONS)[number],
  ];
  return { TradeID, Value: cents / 100, Version, Timestamp: 1_700_000_000, Hierarchy: { RiskType, Region, TradeDesk } };
}

interface HandMadeRound {
  sent: RiskMessage[];
  /** Per trade, its distinct messages in send order. */
  trades: Map<string, RiskMessage[]>;
  /** The trades that have an in-order modification (version 1), and those that also got a stale one. */
  modified: string[];
  staleCandidates: string[];
  duplicates: RiskMessage[];
}

/** A Lab 2 style round: new trades, in-order modifications, stale versions and exact duplicates. */
function handMadeRound(seed: number, trades = 400): HandMadeRound {
  const next = numbers(seed);
  const sent: RiskMessage[] = [];
  const byTrade = new Map<string, RiskMessage[]>();
  const send = (item: RiskMessage) => {
    sent.push(item);
    byTrade.set(item.TradeID, [...(byTrade.get(item.TradeID) ?? []), item]);
  };
  for (let index = 0; index < trades; index++) send(message(`trade-${index}`, next(10_000_001), 0, next(12)));
  const modified = Array.from({ length: Math.ceil(trades / 25) }, (_, index) => `trade-${index * 25 + 3}`);
  for (const id of modified) send(message(id, next(10_000_001), 1, next(12)));
  const staleCandidates = modified.slice(0, 6);
  for (const id of staleCandidates) send(message(id, next(10_000_001), 0, next(12)));
  const duplicates = [sent[5]!, sent[17]!, sent[trades + 1]!];
  sent.push(...duplicates);
  return { sent, trades: byTrade, modified, staleCandidates, duplicates };
}

const BASELINE: TableValues = new Map(AGGREGATION_KEYS.map((key, index) => [key, `${1000 + index}.25`]));

/** The table after the round when the pipeline ended with `finals` per trade (one entry per trade counted). */
function tableAfter(finals: Iterable<RiskMessage>, extra: CentsByKey = {}): TableValues {
  const perLeaf: CentsByKey = { ...extra };
  for (const final of finals) perLeaf[leafKey(final.Hierarchy)] = (perLeaf[leafKey(final.Hierarchy)] ?? 0) + toCents(final.Value);
  const change = rollUp(perLeaf);
  return new Map(AGGREGATION_KEYS.map((key) => [key, new Big(BASELINE.get(key)!).plus(centsToDecimal(change[key] ?? 0)).toFixed()]));
}

function newest(round: HandMadeRound): Map<string, RiskMessage> {
  return new Map([...round.trades].map(([id, versions]) => [id, versions.reduce((a, b) => (b.Version > a.Version ? b : a))]));
}

function inputFor(round: HandMadeRound, after: TableValues, overrides: Partial<DiagnosisInput> = {}): DiagnosisInput {
  return { lab: 2, expected: expectedTotals(round.sent), baseline: BASELINE, after, stillChanging: false, facts: roundFacts(round.sent), ...overrides };
}

describe('round facts', () => {
  it('keeps the distinct messages of modified trades, the duplicates per leaf and the mean value', () => {
    const round = handMadeRound(1, 100);
    const facts = roundFacts(round.sent);
    expect(facts.modifiedTrades).toHaveLength(round.modified.length);
    const withStale = facts.modifiedTrades.filter((versions) => versions.length === 3);
    expect(withStale).toHaveLength(round.staleCandidates.length);
    const duplicateTotal = Object.values(facts.duplicateCents).reduce((a, b) => a + b, 0);
    expect(duplicateTotal).toBe(round.duplicates.reduce((sum, item) => sum + toCents(item.Value), 0));
    expect(facts.meanMessageCents).toBeGreaterThan(3_000_000);
    expect(facts.meanMessageCents).toBeLessThan(7_000_000);
  });
});

describe('diagnosis', () => {
  it('reads failures: missing table and access denied, with the lab step', () => {
    const round = handMadeRound(2);
    const missing = diagnose(
      inputFor(round, BASELINE, { after: undefined, readFailure: { kind: 'missing-table', message: 'table AggregateTable not found' } }),
    );
    expect(missing).toMatchObject({ code: 'missing-table', labStep: 'Lab 1' });
    expect(missing.message).toMatch(/^Table AggregateTable not found/);
    const denied = diagnose(
      inputFor(round, BASELINE, { after: undefined, readFailure: { kind: 'access-denied', message: 'access to AggregateTable denied: not authorized' } }),
    );
    expect(denied.code).toBe('access-denied');
  });

  it('no-change when no key moved', () => {
    const round = handMadeRound(3);
    expect(diagnose(inputFor(round, BASELINE)).code).toBe('no-change');
  });

  it('stale-versions: names how many trades ended on an older message', () => {
    const round = handMadeRound(4);
    const finals = newest(round);
    const staleTrades = [...round.staleCandidates.slice(0, 4), round.modified[10]!, round.modified[12]!];
    for (const id of staleTrades) {
      const versions = round.trades.get(id)!;
      finals.set(id, versions[id === round.modified[10] || id === round.modified[12] ? 0 : 2]!);
    }
    const input = inputFor(round, tableAfter(finals.values()));
    expect(judgeChange(BASELINE, input.after!, input.expected).passed).toBe(false);
    const diagnosis = diagnose(input);
    expect(diagnosis).toMatchObject({ code: 'stale-versions', labStep: 'Lab 2, step 1' });
    expect(diagnosis.message).toMatch(/exactly .* 6 trades ended on a stale version/);
  });

  it('stale-versions even when a single stale trade leaves one leaf slightly short (not mistaken for a loss)', () => {
    const round = handMadeRound(5);
    const finals = newest(round);
    const id = round.modified[7]!;
    const [original, modification] = round.trades.get(id)! as [RiskMessage, RiskMessage];
    const sameLeafOlder = { ...original, Hierarchy: modification.Hierarchy, Value: Math.max(0, toCents(modification.Value) - 12_345) / 100 };
    round.trades.get(id)!.splice(0, 1, sameLeafOlder);
    round.sent[round.sent.indexOf(original)] = sameLeafOlder;
    finals.set(id, sameLeafOlder);
    expect(diagnose(inputFor(round, tableAfter(finals.values()))).code).toBe('stale-versions');
  });

  it('partial: lost messages, with their number, and late when the table was still changing', () => {
    const round = handMadeRound(6);
    const finals = newest(round);
    for (let index = 100; index < 140; index++) finals.delete(`trade-${index}`);
    const lost = diagnose(inputFor(round, tableAfter(finals.values())));
    expect(lost).toMatchObject({ code: 'partial', labStep: 'Lab 2, step 1' });
    expect(lost.message).toMatch(/short by about (3\d|4\d) messages' worth .* lost/);
    const late = diagnose(inputFor(round, tableAfter(finals.values()), { stillChanging: true }));
    expect(late.code).toBe('partial');
    expect(late.message).toMatch(/late/);
  });

  it('partial: a single lost message is not explained as a stale version', () => {
    const round = handMadeRound(7);
    const finals = newest(round);
    finals.delete('trade-50');
    const diagnosis = diagnose(inputFor(round, tableAfter(finals.values()), { lab: 1 }));
    expect(diagnosis).toMatchObject({ code: 'partial', labStep: 'Lab 1' });
  });

  it('double-applied: a batch added twice, with the over-count in messages', () => {
    const round = handMadeRound(8);
    const finals = newest(round);
    const batch = [...finals.values()].slice(200, 300);
    const diagnosis = diagnose(inputFor(round, tableAfter([...finals.values(), ...batch])));
    expect(diagnosis).toMatchObject({ code: 'double-applied', labStep: 'Lab 2, step 2' });
    expect(diagnosis.message).toMatch(/over by about (9\d|10\d|11\d) messages' worth/);
  });

  it('double-applied: exact duplicates counted again', () => {
    const round = handMadeRound(9);
    const diagnosis = diagnose(inputFor(round, tableAfter([...newest(round).values(), ...round.duplicates])));
    expect(diagnosis).toMatchObject({ code: 'double-applied', labStep: 'Lab 2, step 1' });
    expect(diagnosis.message).toMatch(/duplicate/);
  });

  it('stale versions on top of a doubled batch read as the doubled batch (the larger fault)', () => {
    const round = handMadeRound(10);
    const finals = newest(round);
    const staleTrade = round.staleCandidates[0]!;
    finals.set(staleTrade, round.trades.get(staleTrade)![2]!);
    const batch = [...finals.values()].slice(0, 150);
    expect(diagnose(inputFor(round, tableAfter([...finals.values(), ...batch]))).code).toBe('double-applied');
  });

  it('unknown: leaves right but parents not, or totals that do not add up, saying what the keys must be', () => {
    const round = handMadeRound(11);
    const right = tableAfter(newest(round).values());
    const wrongParents = new Map(right);
    wrongParents.set('PV', new Big(right.get('PV')!).plus(5).toFixed());
    wrongParents.set('Delta', new Big(right.get('Delta')!).plus(5).toFixed());
    const parents = diagnose(inputFor(round, wrongParents));
    expect(parents.code).toBe('unknown');
    expect(parents.message).toMatch(/don't add up: PV/);

    const rootsOnly = new Map(BASELINE);
    rootsOnly.set('PV', right.get('PV')!);
    rootsOnly.set('Delta', right.get('Delta')!);
    const unsummed = diagnose(inputFor(round, rootsOnly));
    expect(unsummed.code).toBe('unknown');
    expect(unsummed.message).toMatch(/don't add up: .*\(in that order, e\.g\. PV:FXSpot:EMEA\)/);
  });

  it('unknown: large amounts over on some keys and short on others, beyond what stale versions allow', () => {
    const round = handMadeRound(12);
    const finals = newest(round);
    const pvOnly = [...finals.values()].filter((item) => item.Hierarchy.RiskType === 'PV').slice(0, 80);
    const deltaTrades = [...finals.entries()].filter(([, item]) => item.Hierarchy.RiskType === 'Delta').slice(0, 80);
    for (const [id] of deltaTrades) finals.delete(id);
    const diagnosis = diagnose(inputFor(round, tableAfter([...finals.values(), ...pvOnly])));
    expect(diagnosis.code).toBe('unknown');
  });

  it('fits stale versions exactly in a round of about 10,000 messages', () => {
    const round = handMadeRound(13, 9000);
    const finals = newest(round);
    for (const id of [...round.staleCandidates, ...round.modified.slice(50, 60)]) finals.set(id, round.trades.get(id)![0]!);
    const started = performance.now();
    const diagnosis = diagnose(inputFor(round, tableAfter(finals.values())));
    expect(diagnosis.code).toBe('stale-versions');
    expect(diagnosis.message).toMatch(/16 trades/);
    console.log(`stale fit over ${round.modified.length} modified trades: ${Math.round(performance.now() - started)} ms`);
  });
});
