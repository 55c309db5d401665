import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { acmeBatch } from '../harness.js';
import { SLURM_PRODUCT, slurmCluster, startSlurmStack, type SlurmStack } from '../slurm-harness.js';

const exec = promisify(execFile);

/**
 * Submitting jobs to Slurm through the whole stack (typed client → orchestrator → gateway → Slurm
 * plugin → sbatch) against plain `sbatch` calls on the same cluster, in one run. Both submit the
 * same one-step job with one CPU and 1 GiB; the stack's jobs count as submitted once every one of
 * them has its Slurm job id (providerGeneratedId), the plain ones once the loop of sbatch calls
 * has returned.
 */
export async function benchSlurmSubmission(total = 200): Promise<void> {
  const cluster = await slurmCluster();
  if (!cluster.ok) {
    console.log(`slurm submission: not measured, ${cluster.reason}`);
    return;
  }
  const stack = await startSlurmStack(cluster);
  const scratch = mkdtempSync(join(tmpdir(), 'ucloud-bench-sbatch-'));
  try {
    const plainMs = await plainSbatch(stack, cluster.conf, scratch, total);
    await drain(stack);
    const { acknowledgedMs, submittedMs } = await throughStack(stack, total);
    console.log(
      `slurm submission of ${total} jobs: plain sbatch loop ${(plainMs / 1000).toFixed(2)} s ` +
        `(${(plainMs / total).toFixed(1)} ms/job); whole stack ${(submittedMs / 1000).toFixed(2)} s ` +
        `until every job had its Slurm id (create acknowledged after ${acknowledgedMs.toFixed(0)} ms); ` +
        `ratio stack/plain ${(submittedMs / plainMs).toFixed(2)}`,
    );
  } finally {
    await stack.slurm('scancel', '--name', 'bench-plain').catch(() => undefined);
    await stack.dispose();
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function plainSbatch(
  stack: SlurmStack,
  conf: string,
  scratch: string,
  total: number,
): Promise<number> {
  const script = join(scratch, 'job.sh');
  writeFileSync(script, '#!/bin/sh\necho "plain: value=$1"\nsleep 1\necho done\n', {
    mode: 0o755,
  });
  const env = { ...process.env, SLURM_CONF: conf };
  const started = performance.now();
  for (let n = 0; n < total; n++) {
    await exec(
      'sbatch',
      [
        '--parsable',
        '--job-name=bench-plain',
        '--partition=batch',
        '--cpus-per-task=1',
        '--mem=1024',
        `--chdir=${scratch}`,
        `--output=${join(scratch, '%j.out')}`,
        script,
        String(n),
      ],
      { env },
    );
  }
  const elapsed = performance.now() - started;
  await stack.slurm('scancel', '--name', 'bench-plain');
  return elapsed;
}

async function throughStack(
  stack: SlurmStack,
  total: number,
): Promise<{ acknowledgedMs: number; submittedMs: number }> {
  const client = stack.client();
  const started = performance.now();
  const { responses } = await client.jobs.create.mutate({
    items: Array.from({ length: total }, (_, n) =>
      acmeBatch(`bench ${n}`, 1, { product: SLURM_PRODUCT }),
    ),
  });
  const acknowledgedMs = performance.now() - started;
  const ids = new Set(responses.map((r) => r.id));
  for (;;) {
    const page = await client.jobs.browse.query({ itemsPerPage: 250 });
    const submitted = page.items.filter((j) => ids.has(j.id) && j.providerGeneratedId).length;
    if (submitted === total) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const submittedMs = performance.now() - started;
  await client.jobs.terminate.mutate({ items: [...ids].map((id) => ({ id })) });
  return { acknowledgedMs, submittedMs };
}

/** Waits until the cluster runs and queues nothing, so one measurement does not slow the next. */
async function drain(stack: SlurmStack): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ((await stack.slurm('squeue', '-h', '-o', '%i')).trim() !== '') {
    if (Date.now() > deadline) throw new Error('the cluster did not drain within a minute');
    await new Promise((r) => setTimeout(r, 200));
  }
}
