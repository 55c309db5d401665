import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Supervisor } from './supervisor.js';

/** A supervisor over a fake component whose starts succeed or fail as told. */
function supervised(startOutcomes: Array<'up' | 'fails'> = []) {
  const starts: number[] = [];
  const log: string[] = [];
  const supervisor = new Supervisor<'gateway'>({
    start: async (name) => {
      starts.push(Date.now());
      if (startOutcomes.shift() === 'fails') throw new Error('exited during start (code 1)');
      supervisor.up(name);
    },
    log: (name, message) => log.push(`${name} ${message}`),
  });
  return { supervisor, starts, log };
}

describe('supervisor', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('restarts after 250 ms, doubling while starts fail, up to 10 s, logging each', async () => {
    const { supervisor, starts, log } = supervised([...Array<'fails'>(7).fill('fails'), 'up']);
    const died = Date.now();
    supervisor.exited('gateway', null, 'SIGKILL');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(starts.map((t) => t - died)).toEqual([
      250, 750, 1750, 3750, 7750, 15_750, 25_750, 35_750,
    ]);
    expect(log[0]).toBe(
      'gateway exited unexpectedly (signal SIGKILL); restarting in 250 ms (attempt 1)',
    );
    expect(log[1]).toBe(
      'gateway could not be restarted (exited during start (code 1)); restarting in 500 ms (attempt 2)',
    );
    expect(log.at(-1)).toBe('gateway restarted');
  });

  it('starts again from 250 ms once a component has stayed up for 30 s', async () => {
    const { supervisor, starts } = supervised();
    supervisor.exited('gateway', 1, null);
    await vi.advanceTimersByTimeAsync(250);
    supervisor.exited('gateway', 1, null);
    await vi.advanceTimersByTimeAsync(500);
    expect(starts).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(30_000);
    const died = Date.now();
    supervisor.exited('gateway', 1, null);
    await vi.advanceTimersByTimeAsync(250);
    expect(starts.at(-1)! - died).toBe(250);
  });

  it('drops a pending restart of a component stopped or started on purpose', async () => {
    const { supervisor, starts } = supervised();
    supervisor.exited('gateway', null, 'SIGKILL');
    supervisor.release('gateway');
    supervisor.exited('gateway', null, 'SIGKILL');
    supervisor.close();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(starts).toEqual([]);
  });
});
