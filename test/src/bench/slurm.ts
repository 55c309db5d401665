import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isFinalState } from '@ucloud/contracts';
import { acmeBatch } from '../harness.js';
import { SLURM_PRODUCT, slurmCluster, startSlurmStack, type SlurmStack } from '../slurm-harness.js';
import { describeRatios, pairedRatios, type PairedRun } from './paired-runs.js';
import { recordTarget } from './scorecard.js';

const exec = promisify(execFile);

/** Paired runs: plain then stack, alternating, so that the machine's load weighs on both alike. */
const RUNS = 5;

/**
 * Submitting jobs to Slurm through the whole stack (typed client → orchestrator → gateway → Slurm
 * plugin → sbatch) against plain `sbatch` calls on the same cluster, in RUNS paired runs, the
 * cluster drained before each phase. Both submit the same one-step job with one CPU and 1 GiB; the
 * stack's jobs count as submitted once every one of them has its Slurm job id
 * (providerGeneratedId), the plain ones once the loop of sbatch calls has returned.
 */
export async function benchSlurmSubmission(total = 200): Promise<void> {
  const cluster = await slurmCluster();
  if (!cluster.ok) {
    console.log(`slurm submission: not measured, ${cluster.reason}`);
    return;
  }
  const stack = await startSlurmStack(cluster);
  const scratch = mkdtempSync(join(tmpdir(), 'ucloud-bench-sbatch-'));
  const runs: PairedRun[] = [];
  try {
    for (let run = 1; run <= RUNS; run++) {
      await drain(stack);
      const plainMs = await plainSbatch(stack, cluster.conf, scratch, total);
      await drain(stack);
      const { acknowledgedMs, submittedMs } = await throughStack(stack, total);
      runs.push({ plainMs, stackMs: submittedMs });
      console.log(
        `slurm submission of ${total} jobs, run ${run}/${RUNS}: plain sbatch loop ${(plainMs / 1000).toFixed(2)} s ` +
          `(${(plainMs / total).toFixed(1)} ms/job); whole stack ${(submittedMs / 1000).toFixed(2)} s ` +
          `until every job had its Slurm id (create acknowledged after ${acknowledgedMs.toFixed(0)} ms); ` +
          `ratio stack/plain ${(submittedMs / plainMs).toFixed(2)}`,
      );
    }
    const { median } = pairedRatios(runs);
    console.log(`slurm submission: median ratio stack/plain of ${RUNS} runs ${median.toFixed(2)}`);
    recordTarget({
      figure: `Slurm: ${total} jobs submitted through the whole stack / a plain sbatch loop, median of ${RUNS} paired runs`,
      target: '≤ 1.10×',
      measured: describeRatios(runs),
      pass: median <= 1.1,
    });
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
  // Browsing 250 jobs every few milliseconds would keep a CPU of the stack's busy: the newest job
  // is watched instead, and all of them checked once it has its id (its bulk is handed over last).
  for (;;) {
    const [newest] = (await client.jobs.browse.query({ itemsPerPage: 1 })).items;
    if (newest?.providerGeneratedId) {
      const page = await client.jobs.browse.query({ itemsPerPage: 250 });
      const submitted = page.items.filter((j) => ids.has(j.id) && j.providerGeneratedId).length;
      if (submitted === total) break;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  const submittedMs = performance.now() - started;
  await client.jobs.terminate.mutate({ items: [...ids].map((id) => ({ id })) });
  // Until the plugin has reported every end, so that it is idle when the next run starts.
  const deadline = Date.now() + 120_000;
  for (;;) {
    const page = await client.jobs.browse.query({ itemsPerPage: 250 });
    if (page.items.every((j) => !ids.has(j.id) || isFinalState(j.status.state))) break;
    if (Date.now() > deadline) throw new Error('the stack did not end its jobs within 2 minutes');
    await new Promise((r) => setTimeout(r, 200));
  }
  return { acknowledgedMs, submittedMs };
}

/**
 * Waits until the cluster runs and queues none of this bench's jobs, so that one measurement does
 * not slow the next (other users' jobs are theirs to wait for).
 */
async function drain(stack: SlurmStack): Promise<void> {
  const deadline = Date.now() + 60_000;
  const ours = async () =>
    (await stack.slurm('squeue', '-h', '-o', '%j %Z'))
      .split('\n')
      .map((line) => line.trim().split(' '))
      .filter(([name, dir]) => name === 'bench-plain' || dir?.startsWith(stack.dataDir));
  while ((await ours()).length > 0) {
    if (Date.now() > deadline) throw new Error('the cluster did not drain within a minute');
    await new Promise((r) => setTimeout(r, 200));
  }
}
