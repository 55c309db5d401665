import { describe, expect, it } from 'vitest';
import { guestExitCode, outcomeOf, qemuEndReason } from './outcome.js';

const exited = (code: number) => ({ code, at: null });

describe('how a job whose VMs ended is reported', () => {
  it("reads the guest's exit status line, the last one if several", () => {
    expect(guestExitCode('ucloud: exit status 3\n')).toBe(3);
    expect(guestExitCode('ucloud: exit status 1\r\nucloud: exit status 0\n')).toBe(0);
    expect(guestExitCode('')).toBeNull();
    expect(guestExitCode('ucloud: exit status 7')).toBeNull();
  });

  it("reports the guest's exit code as SUCCESS, per rank where they differ", () => {
    expect(outcomeOf(null, [exited(0)])).toEqual({
      state: 'SUCCESS',
      status: 'The job exited with code 0',
    });
    expect(outcomeOf(null, [exited(0), exited(2)]).status).toBe(
      'The job exited with code 0 on rank 0, 2 on rank 1',
    );
  });

  it("fails a job whose VM ended without an exit status, with QEMU's reason", () => {
    expect(outcomeOf(null, [exited(0), { failure: qemuEndReason(null) }])).toEqual({
      state: 'FAILURE',
      status: 'The VM of rank 1 ended: QEMU exited unexpectedly',
    });
    expect(qemuEndReason('guest-reset')).toBe('the guest rebooted before its command ended');
    expect(qemuEndReason('something-new')).toBe('QEMU exited unexpectedly');
  });

  it('reports a job the plugin stopped as stopped, however its VMs ended', () => {
    expect(outcomeOf('CANCELLED', [{ failure: 'QEMU was told to quit' }])).toEqual({
      state: 'SUCCESS',
      status: 'Your job has been cancelled!',
    });
    expect(outcomeOf('EXPIRED', [exited(0)]).state).toBe('EXPIRED');
  });
});
