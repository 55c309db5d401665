import { InvalidArgumentError } from 'commander';

/** Quotas and allocation ids: whole numbers, as the API stores them. */
export function parseCount(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value))
    throw new InvalidArgumentError('expected a whole number');
  return value;
}
