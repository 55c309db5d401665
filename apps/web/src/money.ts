import type { Wallet } from './api';

type Unit = Wallet['paysFor']['accountingUnit'];

const number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

/** An API amount in its unit: millionths of it where the unit has decimals. */
export function formatAmount(amount: number, unit: Unit): string {
  const value = unit.floatingPoint ? amount / 1_000_000 : amount;
  return `${number.format(value)} ${value === 1 ? unit.name : unit.namePlural}`;
}
