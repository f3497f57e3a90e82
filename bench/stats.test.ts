/** The benchmark's small statistics: percentiles by interpolation, a least-squares slope, ratios and the table's units. */
import { describe, expect, it } from 'vitest';
import { grouped, megabytes, percentile, ratio, rounded, seconds, slope } from './stats';

describe('percentile', () => {
  it('interpolates between the closest ranks', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([10, 20, 30, 40, 50], 95)).toBeCloseTo(48);
    expect(percentile([7], 95)).toBe(7);
  });

  it('does not depend on the input order and is null for no values', () => {
    expect(percentile([40, 10, 30, 20], 100)).toBe(40);
    expect(percentile([40, 10, 30, 20], 0)).toBe(10);
    expect(percentile([], 50)).toBeNull();
  });

  it('refuses a percentile outside 0–100', () => {
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
});

describe('ratio and units', () => {
  it('divides only known numbers by a non-zero one', () => {
    expect(ratio(3, 2)).toBe(1.5);
    expect(ratio(3, 0)).toBeNull();
    expect(ratio(null, 2)).toBeNull();
  });

  it('formats for the table', () => {
    expect(rounded(0.1 + 0.2, 2)).toBe(0.3);
    expect(seconds(12_345)).toBe('12.3 s');
    expect(seconds(null)).toBe('—');
    expect(grouped(12345.678, 1)).toBe('12,345.7');
    expect(megabytes(2048)).toBe('2 MB');
  });
});

describe('slope', () => {
  it('is the least-squares slope, whatever the noise around the line', () => {
    expect(
      slope([
        [0, 1],
        [1, 3],
        [2, 5],
      ]),
    ).toBeCloseTo(2);
    expect(
      slope([
        [0, 10],
        [1, 12],
        [2, 10],
        [3, 12],
      ]),
    ).toBeCloseTo(0.4);
    expect(
      slope([
        [5, 7],
        [9, 7],
      ]),
    ).toBe(0);
  });

  it('is null without two distinct x', () => {
    expect(slope([[1, 2]])).toBeNull();
    expect(
      slope([
        [1, 2],
        [1, 3],
      ]),
    ).toBeNull();
  });
});
