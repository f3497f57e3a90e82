/**
 * A team's live AggregateTable against a round (pure): per key, the change since the round's
 * baseline next to the round's expected change, with the delta and whether it matches (1e-5).
 */
import { AGGREGATION_KEYS, keyDepth, MESSAGE_COUNT_KEY } from '../domain/hierarchy';
import { Big } from '../domain/money';
import { changeOf, type TableValues, TOLERANCE } from '../domain/verdict';
import type { LiveKey } from './views';

const EMPTY: TableValues = new Map();

/** Keys in tree order with their change since `baseline` and, when known, the expected change. */
export function liveKeys(
  current: TableValues,
  baseline: Readonly<Record<string, string>> | null,
  expected: Readonly<Record<string, string>> | null,
): LiveKey[] {
  const base: TableValues = baseline ? new Map(Object.entries(baseline)) : EMPTY;
  return AGGREGATION_KEYS.map((key) => {
    const actual = changeOf(base, current, key);
    const wanted = expected ? new Big(expected[key] ?? '0') : null;
    const delta = wanted ? actual.minus(wanted) : null;
    return {
      key,
      depth: keyDepth(key),
      expected: wanted ? wanted.toFixed(2) : null,
      actual: actual.toFixed(),
      delta: delta ? delta.toFixed() : null,
      matches: delta ? delta.abs().lte(TOLERANCE) : null,
    };
  });
}

/** The informative message count since the baseline. */
export function messageCountChange(current: TableValues, baseline: Readonly<Record<string, string>> | null): string | null {
  if (!current.has(MESSAGE_COUNT_KEY)) return null;
  const base: TableValues = baseline ? new Map(Object.entries(baseline)) : EMPTY;
  return changeOf(base, current, MESSAGE_COUNT_KEY).toFixed();
}
