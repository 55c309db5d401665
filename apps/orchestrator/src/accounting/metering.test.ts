import { describe, expect, it } from 'vitest';
import { afterTransition, nextChargeAt, periodMsOf, periodsBegun, type Meter } from './metering.js';

const fresh = (chargePeriodMs: number | null): Meter => ({
  chargePeriodMs,
  chargedPeriods: 0,
  runningMs: 0,
  runningSince: null,
});

describe('metering', () => {
  it('charges the first period when the job starts running, then one per period of running', () => {
    let m = afterTransition(fresh(1000), 'IN_QUEUE', 'RUNNING', 10_000);
    expect(periodsBegun(m, 10_000)).toBe(1);
    expect(nextChargeAt(m, 10_000)).toBe(10_000);
    m = { ...m, chargedPeriods: 1 };
    expect(nextChargeAt(m, 10_500)).toBe(11_000);
    expect(periodsBegun(m, 10_999)).toBe(1);
    expect(periodsBegun(m, 11_000)).toBe(2);
    expect(periodsBegun(m, 13_500)).toBe(4);
  });

  it('does not count suspended time', () => {
    let m = afterTransition(fresh(1000), 'IN_QUEUE', 'RUNNING', 0);
    m = { ...afterTransition(m, 'RUNNING', 'SUSPENDED', 600), chargedPeriods: 1 };
    expect(nextChargeAt(m, 5_000)).toBeNull();
    expect(periodsBegun(m, 60_000)).toBe(1);
    m = afterTransition(m, 'SUSPENDED', 'RUNNING', 10_000);
    // 600 ms ran before; the second period begins 400 ms after resuming.
    expect(nextChargeAt(m, 10_000)).toBe(10_400);
    expect(periodsBegun(m, 10_400)).toBe(2);
  });

  it('still owes the periods begun before the job ended, once', () => {
    let m = afterTransition(fresh(1000), 'IN_QUEUE', 'RUNNING', 0);
    m = { ...m, chargedPeriods: 1 };
    m = afterTransition(m, 'RUNNING', 'SUCCESS', 2_500);
    expect(periodsBegun(m, 99_999)).toBe(3);
    expect(nextChargeAt(m, 3_000)).toBe(3_000);
    expect(nextChargeAt({ ...m, chargedPeriods: 3 }, 3_000)).toBeNull();
  });

  it('charges ONCE categories a single time, free categories never, and jobs that never ran nothing', () => {
    const once = afterTransition(fresh(0), 'IN_QUEUE', 'RUNNING', 0);
    expect(periodsBegun(once, 1e9)).toBe(1);
    expect(nextChargeAt({ ...once, chargedPeriods: 1 }, 1e9)).toBeNull();
    expect(periodsBegun(afterTransition(fresh(null), 'IN_QUEUE', 'RUNNING', 0), 1e9)).toBe(0);
    expect(periodsBegun(afterTransition(fresh(1000), 'IN_QUEUE', 'FAILURE', 5), 1e9)).toBe(0);
  });

  it('scales periods from the configured minute', () => {
    expect(periodMsOf('PERIODIC_MINUTE', 60_000)).toBe(60_000);
    expect(periodMsOf('PERIODIC_HOUR', 1000)).toBe(60_000);
    expect(periodMsOf('PERIODIC_DAY', 1000)).toBe(1_440_000);
    expect(periodMsOf('ONCE', 1000)).toBe(0);
  });
});
