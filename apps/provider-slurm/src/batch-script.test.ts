import { InvalidArgumentError } from '@ucloud/provider-sdk';
import { describe, expect, it } from 'vitest';
import { batchScript, jobMarker, shellQuote, slurmTime, type BatchJob } from './batch-script.js';
import { ProductConfig } from './config.js';

const job = (extra: Partial<BatchJob> = {}): BatchJob => ({
  jobId: '42',
  marker: jobMarker('abc123', '42'),
  jobDir: '/srv/jobs/42',
  product: ProductConfig.parse({ id: 'cpu', category: 'cpu', partition: 'batch' }),
  replicas: 2,
  cpu: 4,
  memoryMb: 8192,
  gpu: 0,
  timeAllocationMs: 90 * 60_000,
  argv: ['/bin/sh', '-c', 'echo "$1"', 'greet', "it's"],
  environment: { GREETING: 'hello world' },
  ...extra,
});

describe('batchScript', () => {
  it('writes resources as #SBATCH lines and one srun task per replica', () => {
    expect(batchScript(job())).toBe(
      [
        '#!/bin/sh',
        '#SBATCH --job-name=ucloud-42',
        '#SBATCH --comment=ucloud:abc123:42',
        '#SBATCH --partition=batch',
        '#SBATCH --nodes=2',
        '#SBATCH --ntasks=2',
        '#SBATCH --ntasks-per-node=1',
        '#SBATCH --cpus-per-task=4',
        '#SBATCH --mem=8192M',
        '#SBATCH --time=0-01:30:00',
        '#SBATCH --chdir=/srv/jobs/42',
        '#SBATCH --output=/srv/jobs/42/batch.stdout',
        '#SBATCH --error=/srv/jobs/42/batch.stderr',
        '# UCloud job 42: each rank writes rank-<rank>.stdout and rank-<rank>.stderr here.',
        "export GREETING='hello world'",
        "export UCLOUD_JOB_ID='42'",
        "export UCLOUD_NUMBER_OF_NODES='2'",
        'exec srun \\',
        '  --open-mode=append \\',
        '  --cpus-per-task=4 \\',
        '  --output=/srv/jobs/42/rank-%t.stdout \\',
        '  --error=/srv/jobs/42/rank-%t.stderr \\',
        `  /bin/sh -c 'UCLOUD_RANK=$SLURM_PROCID; export UCLOUD_RANK; exec "$@"' ucloud-rank \\`,
        `  '/bin/sh' '-c' 'echo "$1"' 'greet' 'it'\\''s'`,
        '',
      ].join('\n'),
    );
  });

  it('lets Slurm pack ranks, with memory per CPU, and adds QoS, account and GPUs', () => {
    const product = ProductConfig.parse({
      id: 'gpu',
      category: 'gpu',
      qos: 'high',
      account: 'proj-1',
      placement: 'packed',
    });
    const script = batchScript(job({ product, gpu: 1, timeAllocationMs: null }));
    expect(script).toContain('#SBATCH --qos=high\n#SBATCH --account=proj-1\n#SBATCH --ntasks=2\n');
    expect(script).toContain('#SBATCH --mem-per-cpu=2048M\n#SBATCH --gpus-per-task=1\n');
    expect(script).not.toMatch(/--partition|--nodes|--time/);
  });

  it('leaves memory to Slurm when the product has none', () => {
    expect(batchScript(job({ memoryMb: 0 }))).not.toMatch(/--mem/);
  });

  it('refuses environment variable names a shell cannot export', () => {
    expect(() => batchScript(job({ environment: { 'A;rm -rf /': 'x' } }))).toThrow(
      InvalidArgumentError,
    );
  });
});

describe('slurmTime', () => {
  it.each([
    [1, '0-00:00:01'],
    [60_000, '0-00:01:00'],
    [90_500, '0-00:01:31'],
    [5 * 3_600_000, '0-05:00:00'],
    [3 * 86_400_000 + 61_000, '3-00:01:01'],
  ])('%d ms is %s', (ms, text) => {
    expect(slurmTime(ms)).toBe(text);
  });
});

describe('shellQuote', () => {
  it('keeps any word one word', () => {
    expect(shellQuote(`a 'b' $c`)).toBe(`'a '\\''b'\\'' $c'`);
  });
});
