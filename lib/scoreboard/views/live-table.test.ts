import { describe, expect, it } from 'vitest';
import { AGGREGATION_KEYS } from '@/lib/domain/hierarchy';
import { liveKeys, messageCountChange } from './live-table';

const expected = Object.fromEntries(AGGREGATION_KEYS.map((key) => [key, '0.00']));

describe('liveKeys', () => {
  it('measures each key’s change from the round’s baseline against the expected change, in tree order', () => {
    const keys = liveKeys(
      new Map([
        ['PV', '150.25'],
        ['Delta', '7'],
      ]),
      { PV: '100', Delta: '7' },
      { ...expected, PV: '50.25' },
    );
    expect(keys.map((key) => key.key)).toEqual([...AGGREGATION_KEYS]);
    expect(keys[0]).toEqual({ key: 'PV', depth: 0, expected: '50.25', actual: '50.25', delta: '0', matches: true });
    expect(keys.find((key) => key.key === 'Delta')).toMatchObject({ actual: '0', matches: true });
  });

  it('counts a missing key as 0 and reports the exact shortfall', () => {
    const keys = liveKeys(new Map(), null, { ...expected, 'PV:FXSpot:EMEA': '12.34' });
    expect(keys.find((key) => key.key === 'PV:FXSpot:EMEA')).toMatchObject({ actual: '0', delta: '-12.34', matches: false, depth: 2 });
  });

  it('tolerates float noise within 0.00001 and shows it exactly', () => {
    const keys = liveKeys(new Map([['PV', '10.500000001']]), null, { ...expected, PV: '10.50' });
    expect(keys[0]).toMatchObject({ actual: '10.500000001', delta: '0.000000001', matches: true });
    const off = liveKeys(new Map([['PV', '10.50002']]), null, { ...expected, PV: '10.50' });
    expect(off[0]?.matches).toBe(false);
  });

  it('leaves expected, delta and the verdict empty while the round’s expected totals are unknown', () => {
    expect(liveKeys(new Map([['PV', '3']]), null, null)[0]).toMatchObject({ expected: null, actual: '3', delta: null, matches: null });
  });
});

describe('messageCountChange', () => {
  it('is the message count since the baseline, or null when the table has none', () => {
    expect(messageCountChange(new Map([['message_count', '1500']]), { message_count: '500' })).toBe('1000');
    expect(messageCountChange(new Map(), null)).toBeNull();
  });
});
