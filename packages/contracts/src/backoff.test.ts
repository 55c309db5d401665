import { describe, expect, it } from 'vitest';
import { Backoff, backoffDelay, sleep } from './backoff.js';

const options = { initialMs: 100, maxMs: 1000 };

describe('backoffDelay', () => {
  it('doubles from initialMs up to maxMs, between half and all of it', () => {
    const low = [0, 1, 2, 3, 4, 5].map((a) => backoffDelay(a, options, () => 0));
    const high = [0, 1, 2, 3, 4, 5].map((a) => backoffDelay(a, options, () => 1));
    expect(low).toEqual([50, 100, 200, 400, 500, 500]);
    expect(high).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('stays a number for huge attempt counts and a zero initial delay', () => {
    expect(backoffDelay(5000, options, () => 1)).toBe(1000);
    expect(backoffDelay(5000, { initialMs: 0, maxMs: 10 })).toBe(0);
    expect(backoffDelay(-1, options, () => 1)).toBe(100);
  });

  it('jitters with Math.random by default', () => {
    for (let i = 0; i < 100; i++) {
      const delay = backoffDelay(3, options);
      expect(delay).toBeGreaterThanOrEqual(400);
      expect(delay).toBeLessThanOrEqual(800);
    }
  });
});

describe('Backoff', () => {
  it('counts failures, grows with each and starts over after reset', () => {
    const backoff = new Backoff(options, () => 1);
    expect(backoff.attempts).toBe(0);
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([100, 200, 400]);
    expect(backoff.attempts).toBe(3);
    backoff.reset();
    expect(backoff.attempts).toBe(0);
    expect(backoff.next()).toBe(100);
  });

  it('defaults to 200 ms doubling up to 15 s', () => {
    const backoff = new Backoff(undefined, () => 1);
    const delays = Array.from({ length: 10 }, () => backoff.next());
    expect(delays[0]).toBe(200);
    expect(delays.at(-1)).toBe(15_000);
  });
});

describe('sleep', () => {
  it('waits the time given', async () => {
    const start = Date.now();
    await sleep(30);
    expect(Date.now() - start).toBeGreaterThanOrEqual(25);
  });

  it('ends early, without rejecting, when the signal aborts', async () => {
    const controller = new AbortController();
    const start = Date.now();
    const slept = sleep(10_000, controller.signal);
    setTimeout(() => controller.abort(), 10);
    await expect(slept).resolves.toBeUndefined();
    expect(Date.now() - start).toBeLessThan(1000);
  });

  it('returns at once for a signal already aborted', async () => {
    const start = Date.now();
    await sleep(10_000, AbortSignal.abort());
    expect(Date.now() - start).toBeLessThan(100);
  });
});
