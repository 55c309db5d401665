import { describe, expect, it } from 'vitest';
import { afterTransition, nextChargeAt, periodMsOf, periodsBegun, type Meter } from './metering.js';

const fresh = (chargePeriodMs: number | null): Meter => ({
  chargePeriodMs,
  chargedPeriods: 0,
  started: false,
  runningMs: 0,
  runningSince: null,
});

/** A job that ran from 0 for `ms` (provider time) with 4-second periods, then ended. */
const ranFor = (ms: number) =>
  afterTransition(afterTransition(fresh(4000), 'IN_QUEUE', 'RUNNING', 0), 'RUNNING', 'SUCCESS', ms);

describe('metering', () => {
  it('charges the first period when the job starts running, then one per period of running', () => {
    let m = afterTransition(fresh(1000), 'IN_QUEUE', 'RUNNING', 10_000);
    expect(periodsBegun(m, 10_000)).toBe(1);
    expect(nextChargeAt(m, 10_000)).toBe(10_000);
    m = { ...m, chargedPeriods: 1 };
    expect(nextChargeAt(m, 10_500)).toBe(11_001);
    expect(periodsBegun(m, 11_000)).toBe(1);
    expect(periodsBegun(m, 11_001)).toBe(2);
    expect(periodsBegun(m, 13_500)).toBe(4);
  });

  it('charges a period only once the running time is past its start, on both sides of the boundary', () => {
    expect(periodsBegun(ranFor(0), 1e9)).toBe(1);
    expect(periodsBegun(ranFor(3_985), 1e9)).toBe(1);
    expect(periodsBegun(ranFor(3_999), 1e9)).toBe(1);
    expect(periodsBegun(ranFor(4_000), 1e9)).toBe(1);
    expect(periodsBegun(ranFor(4_001), 1e9)).toBe(2);
    expect(periodsBegun(ranFor(4_061), 1e9)).toBe(2);
    expect(periodsBegun(ranFor(8_000), 1e9)).toBe(2);
    expect(periodsBegun(ranFor(8_001), 1e9)).toBe(3);
    // A running job is charged its second period at the first millisecond past 4,000 ms.
    const running = {
      ...afterTransition(fresh(4000), 'IN_QUEUE', 'RUNNING', 0),
      chargedPeriods: 1,
    };
    expect(nextChargeAt(running, 100)).toBe(4_001);
    expect(periodsBegun(running, 4_000)).toBe(1);
    expect(periodsBegun(running, 4_001)).toBe(2);
  });

  it('settles a job whose end, reported late, shows it was charged for a period it never began', () => {
    // Charged for two periods while its end was not yet known; it really ran 3,985 ms.
    const m = { ...ranFor(3_985), chargedPeriods: 2 };
    expect(periodsBegun(m, 60_000)).toBe(1);
    expect(nextChargeAt(m, 60_000)).toBe(60_000);
    expect(nextChargeAt({ ...m, chargedPeriods: 1 }, 60_000)).toBeNull();
  });

  it('does not count suspended time', () => {
    let m = afterTransition(fresh(1000), 'IN_QUEUE', 'RUNNING', 0);
    m = { ...afterTransition(m, 'RUNNING', 'SUSPENDED', 600), chargedPeriods: 1 };
    expect(nextChargeAt(m, 5_000)).toBeNull();
    expect(periodsBegun(m, 60_000)).toBe(1);
    m = afterTransition(m, 'SUSPENDED', 'RUNNING', 10_000);
    // 600 ms ran before; the second period begins once 400 ms more have run.
    expect(nextChargeAt(m, 10_000)).toBe(10_401);
    expect(periodsBegun(m, 10_400)).toBe(1);
    expect(periodsBegun(m, 10_401)).toBe(2);
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
