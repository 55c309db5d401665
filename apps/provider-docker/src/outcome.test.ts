import { describe, expect, it } from 'vitest';
import { finishedAtOf, outcomeOf } from './outcome.js';

const exit = (code: number, oomKilled = false) => ({ code, oomKilled, finishedAt: 1 });

describe('how a job whose containers stopped is reported', () => {
  it('reports the exit code, saying when memory ran out', () => {
    expect(outcomeOf(null, [exit(0)])).toEqual({
      state: 'SUCCESS',
      status: 'The job exited with code 0',
    });
    expect(outcomeOf(null, [exit(0), exit(137, true)]).status).toBe(
      'The job exited with code 0 on rank 0, 137 (killed: it ran out of memory) on rank 1',
    );
  });

  it('ends a job FAILURE when a container was removed from outside, but not one UCloud stopped', () => {
    expect(outcomeOf(null, [exit(0), null])).toEqual({
      state: 'FAILURE',
      status: 'The container of rank 1 was removed outside UCloud before the job ended',
    });
    expect(outcomeOf('CANCELLED', [exit(137)])).toEqual({
      state: 'SUCCESS',
      status: 'Your job has been cancelled!',
    });
    expect(outcomeOf('EXPIRED', [exit(137)]).state).toBe('EXPIRED');
  });

  it("reads the engine's FinishedAt, which is the year 1 for a container that never ran", () => {
    expect(finishedAtOf('2026-11-28T07:31:35.123456789Z')).toBe(
      Date.UTC(2026, 10, 28, 7, 31, 35, 123),
    );
    expect(finishedAtOf('0001-01-01T00:00:00Z')).toBeNull();
    expect(finishedAtOf(undefined)).toBeNull();
  });
});
