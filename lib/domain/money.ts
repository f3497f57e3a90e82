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

export { Big };
