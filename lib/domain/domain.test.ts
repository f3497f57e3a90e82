import { describe, expect, it } from 'vitest';
import { AGGREGATION_KEYS, LEAF_KEYS, leafKey, MIDDLE_KEYS, ROOT_KEYS, rollUp } from './hierarchy';
import type { RiskMessage } from './message';
import { centsToDecimal, toCents } from './money';
import { expectedTotals } from './totals';
import { judgeChange } from './verdict';

const message = (
  TradeID: string,
  Value: number,
  Version: number,
  RiskType: 'PV' | 'Delta',
  TradeDesk: 'FXSpot' | 'FXOptions',
  Region: 'EMEA' | 'APAC' | 'AMER',
): RiskMessage => ({
  TradeID,
  Value,
  Version,
  Timestamp: 0,
  Hierarchy: { RiskType, Region, TradeDesk },
});

describe('aggregation keys', () => {
  it('has 12 leaves, 4 middle nodes and 2 roots in RiskType:TradeDesk:Region order', () => {
    expect(LEAF_KEYS).toHaveLength(12);
    expect(MIDDLE_KEYS).toEqual(['PV:FXSpot', 'PV:FXOptions', 'Delta:FXSpot', 'Delta:FXOptions']);
    expect(ROOT_KEYS).toEqual(['PV', 'Delta']);
    expect(AGGREGATION_KEYS).toHaveLength(18);
    expect(leafKey({ RiskType: 'Delta', Region: 'AMER', TradeDesk: 'FXOptions' })).toBe('Delta:FXOptions:AMER');
  });

  it('rolls leaves up so every parent is the sum of its children', () => {
    const totals = rollUp({ 'PV:FXSpot:EMEA': 100, 'PV:FXSpot:APAC': 250, 'PV:FXOptions:AMER': 7, 'Delta:FXSpot:EMEA': 1 });
    expect(totals['PV:FXSpot']).toBe(350);
    expect(totals.PV).toBe(357);
    expect(totals.Delta).toBe(1);
    expect(totals['Delta:FXOptions']).toBe(0);
  });
});

describe('money', () => {
  it('converts to and from cents exactly', () => {
    expect(toCents(0.1)).toBe(10);
    expect(toCents('100000.00')).toBe(10_000_000);
    expect(toCents(34624.51)).toBe(3_462_451);
    expect(centsToDecimal(-1234)).toBe('-12.34');
    expect(() => toCents(1.005)).toThrow(/more than 2 decimals/);
  });

  it('recovers the exact cents of every 2-decimal float in range', () => {
    for (let cents = 0; cents <= 10_000_000; cents += 997) expect(toCents(cents / 100)).toBe(cents);
  });
});

describe('expected totals', () => {
  it('keeps only the newest version of each trade, which may move between leaves', () => {
    const totals = expectedTotals([
      message('a', 10.5, 0, 'PV', 'FXSpot', 'EMEA'),
      message('a', 20.25, 1, 'Delta', 'FXOptions', 'APAC'),
      message('a', 99, 0, 'PV', 'FXSpot', 'EMEA'),
      message('b', 0.01, 0, 'PV', 'FXSpot', 'EMEA'),
    ]);
    expect(totals['PV:FXSpot:EMEA']).toBe(1);
    expect(totals['Delta:FXOptions:APAC']).toBe(2025);
    expect(totals.Delta).toBe(2025);
    expect(totals.PV).toBe(1);
  });
});

describe('verdict', () => {
  it('passes when every change matches within 1e-5 and counts missing keys as 0', () => {
    const expected = rollUp({ 'PV:FXSpot:EMEA': 1050 });
    const baseline = new Map([
      ['PV:FXSpot:EMEA', '5'],
      ['PV:FXSpot', '5'],
      ['PV', '5'],
    ]);
    const after = new Map([
      ['PV:FXSpot:EMEA', '15.5'],
      ['PV:FXSpot', '15.500000000001'],
      ['PV', '15.50'],
    ]);
    expect(judgeChange(baseline, after, expected).passed).toBe(true);
    const short = new Map([
      ['PV:FXSpot:EMEA', '15.49'],
      ['PV:FXSpot', '15.5'],
      ['PV', '15.5'],
    ]);
    const verdict = judgeChange(baseline, short, expected);
    expect(verdict.passed).toBe(false);
    expect(verdict.keys.find((key) => key.key === 'PV:FXSpot:EMEA')).toMatchObject({ expected: '10.50', actual: '10.49', delta: '-0.01', matches: false });
  });
});
