import type { AccountingFrequency, JobState } from '@ucloud/contracts';

/**
 * How running time becomes accounting periods. A job is charged for every period it has begun
 * running in, in full, when the period begins: the first at the moment it starts running, the
 * next after one period of RUNNING time, and so on. Time suspended or queued does not count.
 * A category charged ONCE is charged for the first period only.
 */
export interface Meter {
  /** Null: free to use (never charged). 0: charged once. */
  chargePeriodMs: number | null;
  chargedPeriods: number;
  /** RUNNING time before `runningSince`. */
  runningMs: number;
  /** Since when the job has been RUNNING; null while it is not. */
  runningSince: number | null;
}

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
  const ran = m.runningSince !== null || m.runningMs > 0;
  if (!ran) return 0;
  if (m.chargePeriodMs === 0) return 1;
  return Math.floor(runningTime(m, now) / m.chargePeriodMs) + 1;
}

/** When the job next owes a charge: now if it owes one already, else when its next period begins. */
export function nextChargeAt(m: Meter, now: number): number | null {
  if (m.chargePeriodMs === null) return null;
  if (periodsBegun(m, now) > m.chargedPeriods) return now;
  if (m.runningSince === null || m.chargePeriodMs === 0) return null;
  return m.runningSince + m.chargedPeriods * m.chargePeriodMs - m.runningMs;
}

/** The meter after the job moves from `from` to `to` at `now`. */
export function afterTransition(m: Meter, from: JobState, to: JobState, now: number): Meter {
  if (to === 'RUNNING' && from !== 'RUNNING') return { ...m, runningSince: now };
  if (from === 'RUNNING' && to !== 'RUNNING' && m.runningSince !== null) {
    return { ...m, runningMs: runningTime(m, now), runningSince: null };
  }
  return m;
}
