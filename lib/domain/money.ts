/**
 * Exact money arithmetic. Amounts are integer cents inside the game; DynamoDB numbers travel as
 * decimal strings, so conversions go through strings, never through float multiplication.
 */
import Big from 'big.js';

/** Converts a value with at most 2 decimals (a number or a decimal string) to integer cents, exactly. */
export function toCents(value: number | string): number {
  const amount = new Big(value);
  const cents = amount.times(100);
  if (!cents.eq(cents.round(0, Big.roundDown))) {
    throw new RangeError(`amount has more than 2 decimals: ${String(value)}`);
  }
  const result = cents.toNumber();
  if (!Number.isSafeInteger(result)) throw new RangeError(`amount out of range: ${String(value)}`);
  return result;
}

/** Formats integer cents as an exact decimal string with 2 decimals, e.g. -1234 → "-12.34". */
export function centsToDecimal(cents: number): string {
  if (!Number.isSafeInteger(cents)) throw new RangeError(`not a whole number of cents: ${cents}`);
  return new Big(cents).div(100).toFixed(2);
}

/** Converts integer cents to the JSON number a message carries (exact for at most 2 decimals). */
export function centsToNumber(cents: number): number {
  return Number(centsToDecimal(cents));
}

/** Parses a DynamoDB number string of any precision (a team may write float noise) exactly. */
export function parseDecimal(value: string): Big {
  return new Big(value);
}

/**
 * The largest amount (in size) a table value may hold to be totalled: 10^12, ten million messages of
 * 100,000.00 (an event of 240 rounds of 10,000 messages totals about 1.2 × 10^11). Beyond it a value
 * (e.g. `1E+20`) is hostile or broken data, not a total; within it every change, difference and sum
 * of differences of the 18 keys stays a safe integer number of cents.
 */
export const MAX_AMOUNT = new Big('1e12');
export const MAX_AMOUNT_TEXT = '1,000,000,000,000';

/** Whether a DynamoDB number string is an amount the game can total (a number no larger than MAX_AMOUNT in size). */
export function isUsableAmount(value: string): boolean {
  try {
    return new Big(value).abs().lte(MAX_AMOUNT);
  } catch {
    return false;
  }
}

export { Big };
