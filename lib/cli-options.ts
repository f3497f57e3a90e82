/**
 * Option parsers for the project's commands (commander argument parsers): a bad value is refused
 * with the rule it breaks, which commander prints after the option's name.
 */
import { InvalidArgumentError } from 'commander';

/** A whole number from `min` to `max`; `rule` says what it must be when it is not. */
export function wholeNumber(min = 1, max = Number.MAX_SAFE_INTEGER, rule = wholeNumberRule(min, max)): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (value.trim() === '' || !Number.isInteger(number) || number < min || number > max) throw new InvalidArgumentError(rule);
    return number;
  };
}

function wholeNumberRule(min: number, max: number): string {
  if (min === 1 && max === Number.MAX_SAFE_INTEGER) return 'must be a positive whole number';
  return `must be a whole number from ${min} to ${max}`;
}

/** A comma-separated list of positive whole numbers, e.g. `1,2,4`. */
export function wholeNumberList(value: string): number[] {
  const numbers = value.split(',').map((part) => Number(part.trim()));
  if (value.trim() === '' || numbers.some((number) => !Number.isInteger(number) || number < 1))
    throw new InvalidArgumentError('must be a comma-separated list of positive whole numbers, e.g. 1,2,4');
  return numbers;
}
