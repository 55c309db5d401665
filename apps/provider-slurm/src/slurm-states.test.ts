import { describe, expect, it } from 'vitest';
import { type SlurmJob } from './job-listing.js';
import { endedAt, everRan, outcomeOf, phaseOf, startedAt } from './slurm-states.js';

const job = (state: string, extra: Partial<SlurmJob> = {}): SlurmJob => ({
  id: 12,
  name: 'ucloud-1',
  comment: 'ucloud:abc:1',
  state,
  reason: 'None',
  exit: { code: 0, signal: 0 },
  startTime: 1_700_000_000_000,
  endTime: 1_700_000_042_000,
  timeLimitMinutes: 60,
  partition: 'batch',
  nodes: 'vm',
  ...extra,
});

const ended = (slurm: SlurmJob, cancelRequested = false, hasTimeAllocation = true) =>
  outcomeOf({ slurm, cancelRequested, hasTimeAllocation });

describe('phaseOf', () => {
  it.each([
    ['PENDING', { kind: 'active', state: 'IN_QUEUE' }],
    ['REQUEUED', { kind: 'active', state: 'IN_QUEUE' }],
    ['CONFIGURING', { kind: 'active', state: 'IN_QUEUE' }],
    ['RUNNING', { kind: 'active', state: 'RUNNING' }],
    ['SUSPENDED', { kind: 'active', state: 'SUSPENDED' }],
    ['COMPLETING', { kind: 'ending' }],
    ['COMPLETED', { kind: 'ended' }],
    ['TIMEOUT', { kind: 'ended' }],
    ['NODE_FAIL', { kind: 'ended' }],
    ['SOMETHING_NEW', { kind: 'unknown' }],
  ])('%s', (state, phase) => {
    expect(phaseOf(state)).toEqual(phase);
  });
});

describe('outcomeOf', () => {
  it('reports a finished job SUCCESS with its exit code, whatever the code', () => {
    expect(ended(job('COMPLETED'))).toEqual({
      state: 'SUCCESS',
      status: 'The job exited with code 0 (Slurm job 12: COMPLETED)',
    });
    expect(
      ended(job('FAILED', { reason: 'NonZeroExitCode', exit: { code: 3, signal: 0 } })),
    ).toEqual({
      state: 'SUCCESS',
      status: 'The job exited with code 3 (Slurm job 12: FAILED, NonZeroExitCode)',
    });
    expect(ended(job('FAILED', { exit: { code: 0, signal: 9 } })).status).toBe(
      'The job was killed by signal 9 (Slurm job 12: FAILED)',
    );
    expect(ended(job('OUT_OF_MEMORY'))).toEqual({
      state: 'SUCCESS',
      status: 'The job ran out of memory (Slurm job 12: OUT_OF_MEMORY)',
    });
  });

  it('tells a cancellation UCloud asked for from one made outside it', () => {
    expect(ended(job('CANCELLED'), true)).toEqual({
      state: 'SUCCESS',
      status: 'Your job has been cancelled!',
    });
    expect(ended(job('CANCELLED'), false)).toEqual({
      state: 'SUCCESS',
      status: 'Slurm job 12 was cancelled outside UCloud (e.g. with scancel)',
    });
  });

  it('EXPIREs a job at its time limit, unless it had no allocation to run out of', () => {
    expect(ended(job('TIMEOUT', { reason: 'TimeLimit' }))).toEqual({
      state: 'EXPIRED',
      status: 'Your job has reached its time limit (Slurm job 12: TIMEOUT, TimeLimit)',
    });
    expect(ended(job('TIMEOUT'), false, false)).toEqual({
      state: 'SUCCESS',
      status: "Slurm stopped the job at its partition's limit (Slurm job 12: TIMEOUT)",
    });
  });

  it("fails a job only for the cluster's faults", () => {
    for (const state of ['NODE_FAIL', 'BOOT_FAIL']) {
      expect(ended(job(state, { reason: 'NodeDown' }))).toEqual({
        state: 'FAILURE',
        status: `Slurm could not run the job to its end (Slurm job 12: ${state}, NodeDown)`,
      });
    }
    expect(ended(job('PREEMPTED')).state).toBe('FAILURE');
  });
});

describe('everRan', () => {
  it('is whether the job got nodes', () => {
    expect(everRan(job('CANCELLED'))).toBe(true);
    expect(everRan(job('CANCELLED', { nodes: '' }))).toBe(false);
  });
});

describe('startedAt and endedAt', () => {
  it("are Slurm's StartTime and EndTime only once they are not estimates", () => {
    expect(startedAt(job('RUNNING'))).toBe(1_700_000_000_000);
    // Pending: when Slurm expects to start it; cancelled while pending: when it was cancelled.
    expect(startedAt(job('PENDING', { nodes: '' }))).toBeNull();
    expect(startedAt(job('CANCELLED', { nodes: '' }))).toBeNull();
    expect(endedAt(job('COMPLETED'))).toBe(1_700_000_042_000);
    expect(endedAt(job('CANCELLED', { nodes: '' }))).toBe(1_700_000_042_000);
    // Running or suspended: StartTime + TimeLimit; still completing: its final state decides.
    expect(endedAt(job('RUNNING'))).toBeNull();
    expect(endedAt(job('SUSPENDED'))).toBeNull();
    expect(endedAt(job('COMPLETING'))).toBeNull();
  });
});
