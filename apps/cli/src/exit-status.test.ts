import { describe, expect, it } from 'vitest';
import { EXIT, exitCodeOf } from './exit-status.js';

describe('exitCodeOf', () => {
  it("answers the job's own exit code where its provider reports one", () => {
    expect(exitCodeOf('SUCCESS', 'The job exited with code 0')).toBe(0);
    expect(exitCodeOf('SUCCESS', 'The job exited with code 3')).toBe(3);
    expect(exitCodeOf('SUCCESS', 'The job exited with code 0 on all 2 ranks')).toBe(0);
    expect(exitCodeOf('SUCCESS', 'The job exited with code 0 on rank 0, 2 on rank 1')).toBe(2);
    expect(
      exitCodeOf('SUCCESS', 'The job exited with code 3 (Slurm job 12: FAILED, NonZeroExitCode)'),
    ).toBe(3);
    expect(exitCodeOf('SUCCESS', 'The job exited with code 137 (signal 9)')).toBe(137);
    expect(
      exitCodeOf(
        'SUCCESS',
        'The job exited with code 0 on rank 0, 137 (killed: it ran out of memory) on rank 1',
      ),
    ).toBe(137);
  });

  it('maps the other ends to codes of their own', () => {
    expect(exitCodeOf('SUCCESS', 'The job was killed by signal 9 (Slurm job 12: FAILED)')).toBe(
      137,
    );
    expect(exitCodeOf('SUCCESS', 'Your job has been cancelled!')).toBe(EXIT.terminated);
    expect(exitCodeOf('EXPIRED', 'Your job has reached its time limit')).toBe(EXIT.expired);
    expect(exitCodeOf('FAILURE', 'The provider refused to start the job: no')).toBe(EXIT.failed);
    expect(exitCodeOf('FAILURE', 'The job exited with code 0')).toBe(EXIT.failed);
    expect(exitCodeOf('SUCCESS', null)).toBe(0);
    expect(exitCodeOf('SUCCESS', 'The job ended')).toBe(0);
  });
});
