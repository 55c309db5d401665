import { describe, expect, it } from 'vitest';
import { exitStatus, outcomeOf, STATUS } from './outcome.js';

describe('outcomeOf', () => {
  it('reports exit codes as SUCCESS, whatever they are', () => {
    expect(outcomeOf({ stopReason: null, exitCodes: [2], observedLive: true })).toEqual({
      state: 'SUCCESS',
      status: 'The job exited with code 2',
    });
  });

  it('reports a stop by its reason, with or without exit codes', () => {
    expect(outcomeOf({ stopReason: 'CANCELLED', exitCodes: [null], observedLive: false })).toEqual({
      state: 'SUCCESS',
      status: STATUS.cancelled,
    });
    expect(outcomeOf({ stopReason: 'EXPIRED', exitCodes: [143], observedLive: true })).toEqual({
      state: 'EXPIRED',
      status: STATUS.expired,
    });
  });

  it('fails a job whose exit code was never recorded', () => {
    expect(outcomeOf({ stopReason: null, exitCodes: [0, null], observedLive: false })).toEqual({
      state: 'FAILURE',
      status: STATUS.vanishedWhileDown,
    });
    expect(outcomeOf({ stopReason: null, exitCodes: [null], observedLive: true }).state).toBe(
      'FAILURE',
    );
  });
});

describe('exitStatus', () => {
  it('names the code once when the ranks agree, per rank otherwise, and decodes signals', () => {
    expect(exitStatus([0, 0, 0])).toBe('The job exited with code 0 on all 3 ranks');
    expect(exitStatus([0, 137])).toBe(
      'The job exited with code 0 on rank 0, 137 (signal 9) on rank 1',
    );
  });
});
