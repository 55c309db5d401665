import { describe, expect, it } from 'vitest';
import { LIFECYCLE_STATUS } from '@ucloud/provider-sdk';
import { outcomeOf, STATUS } from './outcome.js';

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
      status: LIFECYCLE_STATUS.cancelled,
    });
    expect(outcomeOf({ stopReason: 'EXPIRED', exitCodes: [143], observedLive: true })).toEqual({
      state: 'EXPIRED',
      status: LIFECYCLE_STATUS.expired,
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
