import { describe, expect, it } from 'vitest';
import { lastItems, median, scoreSeries, spreadIndexes } from './stats';

describe('median', () => {
  it('is null for no values', () => expect(median([])).toBeNull());
  it('is the middle value of an odd count, whatever the order', () => expect(median([9000, 1200, 4000])).toBe(4000));
  it('is the mean of the two middle values of an even count', () => expect(median([4000, 1000, 3000, 2000])).toBe(2500));
  it('handles a single value', () => expect(median([7])).toBe(7));
});

describe('lastItems', () => {
  it('keeps the newest items', () => expect(lastItems([1, 2, 3, 4, 5], 3)).toEqual([3, 4, 5]));
  it('keeps all of a short list', () => expect(lastItems([1, 2], 10)).toEqual([1, 2]));
});

describe('scoreSeries', () => {
  it('accumulates each team’s points per round number, from a zero point before the first round', () => {
    const rounds = new Map([
      [
        'a',
        [
          { number: 2, points: 100 },
          { number: 1, points: 100 },
        ],
      ],
      [
        'b',
        [
          { number: 2, points: 0 },
          { number: 3, points: 100 },
        ],
      ],
    ]);
    const series = scoreSeries(rounds, ['a', 'b']);
    expect(series.teams).toEqual(['a', 'b']);
    expect(series.points).toEqual([
      { round: 0, scores: { a: 0, b: 0 } },
      { round: 1, scores: { a: 100, b: 0 } },
      { round: 2, scores: { a: 200, b: 0 } },
      { round: 3, scores: { a: 200, b: 100 } },
    ]);
  });

  it('is empty before any round', () => expect(scoreSeries(new Map(), ['a']).points).toEqual([]));

  it('thins long histories but keeps the first and the final score', () => {
    const rounds = new Map([['a', Array.from({ length: 500 }, (_, index) => ({ number: index + 1, points: 100 }))]]);
    const series = scoreSeries(rounds, ['a'], 50);
    expect(series.points).toHaveLength(50);
    expect(series.points[0]?.scores.a).toBe(0);
    expect(series.points.at(-1)).toEqual({ round: 500, scores: { a: 50_000 } });
  });

  it('spreads indexes evenly', () => expect(spreadIndexes(9, 3)).toEqual([0, 4, 8]));
});
