import { describe, expect, it } from 'vitest';
import { exitStatus, LIFECYCLE_STATUS, stoppedOutcome } from './lifecycle-backend.js';

describe('exitStatus', () => {
  it('names the code once when the ranks agree, per rank otherwise, and decodes signals', () => {
    expect(exitStatus([{ code: 0 }])).toBe('The job exited with code 0');
    expect(exitStatus([{ code: 0 }, { code: 0 }, { code: 0 }])).toBe(
      'The job exited with code 0 on all 3 ranks',
    );
    expect(exitStatus([{ code: 0 }, { code: 137 }])).toBe(
      'The job exited with code 0 on rank 0, 137 (signal 9) on rank 1',
    );
  });

  it('says when a rank was killed for running out of memory', () => {
    expect(exitStatus([{ code: 137, oomKilled: true }])).toBe(
      'The job exited with code 137 (killed: it ran out of memory)',
    );
    expect(exitStatus([{ code: 137, oomKilled: true }, { code: 137 }])).toBe(
      'The job exited with code 137 (killed: it ran out of memory) on rank 0, 137 (signal 9) on rank 1',
    );
  });
});

describe('stoppedOutcome', () => {
  it('ends a cancelled job SUCCESS and one stopped at its deadline EXPIRED', () => {
    expect(stoppedOutcome('CANCELLED')).toEqual({
      state: 'SUCCESS',
      status: LIFECYCLE_STATUS.cancelled,
    });
    expect(stoppedOutcome('EXPIRED')).toEqual({
      state: 'EXPIRED',
      status: LIFECYCLE_STATUS.expired,
    });
    expect(stoppedOutcome(null)).toBeNull();
  });
});
