import type { AccountingFrequency, JobState } from '@ucloud/contracts';
import type { MeteringHook } from '../jobs/ports.js';

/**
 * How running time becomes accounting periods. The rule: with periods of P ms, the first period
 * begins when the job starts running and period k + 1 once it has been RUNNING for more than
 * k·P ms; a job is charged for each period it begins, in full, as it begins. So a job that ran
 * t ms owes max(1, ⌈t / P⌉) periods: with 4 s periods, 3,999 ms and 4,000 ms cost 1, 4,001 ms
 * costs 2. Time suspended or queued does not count. A category charged
 * ONCE is charged for the first period only.
 *
 * Running time is measured on the provider's clock (the timestamps of its updates). Until a
 * provider reports a job's end, the orchestrator assumes it still runs and charges the periods it
 * begins; an end reported late (a plugin was down) can show that some of them never began, and
 * those are refunded (see `periodsBegun` falling below `chargedPeriods`).
 */
export interface Meter {
  /** Null: free to use (never charged). 0: charged once. */
  chargePeriodMs: number | null;
  chargedPeriods: number;
  /** Whether the job has ever been RUNNING (a run of 0 ms still begins the first period). */
  started: boolean;
  /** RUNNING time before `runningSince`. */
  runningMs: number;
  /** Since when the job has been RUNNING; null while it is not. */
  runningSince: number | null;
}

/** What one period of a job costs: every replica pays the product's price. */
export const periodPrice = (product: { pricePerUnit: number }, replicas: number): number =>
  product.pricePerUnit * replicas;

/** The meter of a stored job. */
export const meterOf = (job: {
  chargePeriodMs: number | null;
  chargedPeriods: number;
  startedAt: number | null;
  runningMs: number;
  runningSince: number | null;
}): Meter => ({
  chargePeriodMs: job.chargePeriodMs,
  chargedPeriods: job.chargedPeriods,
  started: job.startedAt !== null,
  runningMs: job.runningMs,
  runningSince: job.runningSince,
});

/** The length of a period; `minuteMs` is configurable so that tests need not wait real minutes. */
export function periodMsOf(frequency: AccountingFrequency, minuteMs: number): number {
  switch (frequency) {
    case 'ONCE':
      return 0;
    case 'PERIODIC_MINUTE':
      return minuteMs;
    case 'PERIODIC_HOUR':
      return 60 * minuteMs;
    case 'PERIODIC_DAY':
      return 24 * 60 * minuteMs;
  }
}

export function runningTime(m: Meter, now: number): number {
  return m.runningMs + (m.runningSince === null ? 0 : Math.max(0, now - m.runningSince));
}

/** How many periods the job owes in total at `now`. */
export function periodsBegun(m: Meter, now: number): number {
  if (m.chargePeriodMs === null) return 0;
  if (!m.started) return 0;
  if (m.chargePeriodMs === 0) return 1;
  return Math.max(1, Math.ceil(runningTime(m, now) / m.chargePeriodMs));
}

/**
 * When the job's charges must next be settled: now if it owes periods it was not charged for, or
 * was charged for periods it did not begin; else the first millisecond of its next period.
 */
export function nextChargeAt(m: Meter, now: number): number | null {
  if (m.chargePeriodMs === null) return null;
  if (periodsBegun(m, now) !== m.chargedPeriods) return now;
  if (m.runningSince === null || m.chargePeriodMs === 0) return null;
  return m.runningSince - m.runningMs + m.chargedPeriods * m.chargePeriodMs + 1;
}

/** The meter after the job moves from `from` to `to` at `now`. */
export function afterTransition(m: Meter, from: JobState, to: JobState, now: number): Meter {
  if (to === 'RUNNING' && from !== 'RUNNING') return { ...m, started: true, runningSince: now };
  if (from === 'RUNNING' && to !== 'RUNNING' && m.runningSince !== null) {
    return { ...m, runningMs: runningTime(m, now), runningSince: null };
  }
  return m;
}

/**
 * How long a charging period of `product` is (its category's frequency, in `minuteMs` minutes);
 * null when the product or its category is free to use.
 */
export function chargePeriodOf(
  category: { accountingFrequency: AccountingFrequency; freeToUse: boolean },
  product: { freeToUse: boolean },
  minuteMs: number,
): number | null {
  return product.freeToUse || category.freeToUse
    ? null
    : periodMsOf(category.accountingFrequency, minuteMs);
}

/** What a job's state changes do to its meter: the hook `jobs/` calls in every transition. */
export const metering: MeteringHook = {
  afterTransition(job, to, at, now) {
    const meter = afterTransition(meterOf(job), job.state, to, at);
    return {
      runningMs: meter.runningMs,
      runningSince: meter.runningSince,
      nextChargeAt: nextChargeAt(meter, now),
    };
  },
};
