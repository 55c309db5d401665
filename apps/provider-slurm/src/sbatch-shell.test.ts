import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnavailableError } from '@ucloud/provider-sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SlurmCli, SlurmCommandError } from './slurm-cli.js';

// sbatch on PATH is a script that answers by the name of the batch script it is given.
const FAKE_SBATCH = `#!/bin/sh
case "$2" in
  *slow*) sleep 3; echo 7 ;;
  *refused*) echo "sbatch: error: Batch job submission failed: Invalid account" >&2; exit 1 ;;
  *down*) echo "sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect failure)" >&2; exit 1 ;;
  *warns*) echo "sbatch: warning: --mem is ignored" >&2; echo "42;cluster" ;;
  *) basename "$2" | tr -dc 0-9; echo ;;
esac
`;

let dir: string;
let cli: SlurmCli;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sbatch-shell-'));
  writeFileSync(join(dir, 'sbatch'), FAKE_SBATCH);
  chmodSync(join(dir, 'sbatch'), 0o755);
  cli = new SlurmCli({ timeoutMs: 1000, env: { PATH: `${dir}:/usr/bin:/bin` } });
});

afterEach(() => {
  cli.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('sbatch through the shell beside the plugin', () => {
  it('answers each of many concurrent submissions with its own job id', async () => {
    const scripts = Array.from({ length: 40 }, (_, n) => `/jobs/job${n + 1}.sh`);

    const ids = await Promise.all(scripts.map((s) => cli.submit(s)));

    expect(ids).toEqual(scripts.map((_, n) => n + 1));
  });

  it('takes the job id after any warnings, and tells a refusal from an unreachable Slurm', async () => {
    expect(await cli.submit('/jobs/warns.sh')).toBe(42);
    await expect(cli.submit('/jobs/refused.sh')).rejects.toThrow(SlurmCommandError);
    await expect(cli.submit('/jobs/refused.sh')).rejects.toThrow(/Invalid account/);
    await expect(cli.submit('/jobs/down.sh')).rejects.toThrow(UnavailableError);
  });

  it('gives up on an sbatch that does not answer in time, as lost, without holding up others', async () => {
    const slow = cli.submit('/jobs/slow.sh');
    expect(await cli.submit('/jobs/job3.sh')).toBe(3);
    await expect(slow).rejects.toThrow(UnavailableError);
  });

  it('reports an sbatch missing from PATH as a refusal', async () => {
    const without = new SlurmCli({ timeoutMs: 1000, env: { PATH: '/nonexistent' } });
    try {
      await expect(without.submit('/jobs/job1.sh')).rejects.toThrow(/sbatch: not found on PATH/);
    } finally {
      without.close();
    }
  });
});
