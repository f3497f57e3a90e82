/**
 * Judging a round (docs/game.md, "A round"): for each of the 18 keys, compare the change of the
 * AggregateTable (after − baseline) with the expected change. Tolerance 1e-5; a missing key counts
 * as 0.
 */
import { AGGREGATION_KEYS, type CentsByKey } from './hierarchy';
import { Big, centsToDecimal, parseDecimal } from './money';

/** Raw AggregateTable contents: key → the `Value` number exactly as DynamoDB returned it. */
export type TableValues = ReadonlyMap<string, string>;

export const TOLERANCE = new Big('0.00001');

export interface KeyVerdict {
  key: string;
  /** Expected change, decimal string with 2 decimals. */
  expected: string;
  /** Observed change (after − baseline), exact decimal string. */
  actual: string;
  /** actual − expected, exact decimal string. */
  delta: string;
  matches: boolean;
}

export interface ChangeVerdict {
  passed: boolean;
  keys: KeyVerdict[];
}

function tableValue(table: TableValues, key: string): Big {
  const raw = table.get(key);
  return raw === undefined ? new Big(0) : parseDecimal(raw);
}

/** The observed change of one key between two reads of the table. */
export function changeOf(baseline: TableValues, after: TableValues, key: string): Big {
  return tableValue(after, key).minus(tableValue(baseline, key));
}

/** Compares the observed change with the expected totals on all 18 keys. */
export function judgeChange(baseline: TableValues, after: TableValues, expected: Readonly<CentsByKey>): ChangeVerdict {
  const keys = AGGREGATION_KEYS.map((key): KeyVerdict => {
    const expectedChange = new Big(centsToDecimal(expected[key] ?? 0));
    const actualChange = changeOf(baseline, after, key);
    const delta = actualChange.minus(expectedChange);
    return {
      key,
      expected: expectedChange.toFixed(2),
      actual: actualChange.toFixed(),
      delta: delta.toFixed(),
      matches: delta.abs().lte(TOLERANCE),
    };
  });
  return { passed: keys.every((verdict) => verdict.matches), keys };
}
