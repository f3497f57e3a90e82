/**
 * Judging a round (docs/game.md, "A round"): for each of the 18 keys, compare the change of the
 * AggregateTable (after − baseline) with the expected change. Tolerance 1e-5; a missing key counts
 * as 0.
 */
import { AGGREGATION_KEYS, type CentsByKey } from './hierarchy';
import { Big, centsToDecimal, parseDecimal } from './money';

/**
 * Raw AggregateTable contents: key → the `Value` number exactly as DynamoDB returned it; and, for
 * keys whose `Value` cannot be totalled (not a number, or beyond any total), what they hold. Such a
 * key counts as missing (0) in the change, and never matches.
 */
export type TableValues = ReadonlyMap<string, string> & { readonly unusable?: ReadonlyMap<string, string> };

/** Table contents with the keys that could not be totalled. */
export function tableValues(values: Map<string, string>, unusable: ReadonlyMap<string, string>): TableValues {
  return Object.assign(values, { unusable });
}

/** The scored keys of a read that hold something that cannot be totalled, with what they hold. */
export function unusableKeys(table: TableValues | undefined): Array<[key: string, holds: string]> {
  return AGGREGATION_KEYS.flatMap((key) => {
    const holds = table?.unusable?.get(key);
    return holds === undefined ? [] : [[key, holds] as [string, string]];
  });
}

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
      matches: delta.abs().lte(TOLERANCE) && !after.unusable?.has(key) && !baseline.unusable?.has(key),
    };
  });
  return { passed: keys.every((verdict) => verdict.matches), keys };
}
