import { join } from 'node:path';
import { InvalidArgumentError, type LogStreamName } from '@ucloud/provider-sdk';
import { type ProductConfig } from './config.js';

/** What goes into one job's batch script. */
export interface BatchJob {
  jobId: string;
  /** Slurm's --comment: identifies the job as this plugin instance's (see `jobMarker`). */
  marker: string;
  /** Absolute; the job's working directory, holding the script and the ranks' output. */
  jobDir: string;
  product: ProductConfig;
  replicas: number;
  /** Per rank. */
  cpu: number;
  /** Per rank; 0 leaves it to Slurm's default. */
  memoryMb: number;
  gpu: number;
  timeAllocationMs: number | null;
  argv: string[];
  environment: Record<string, string>;
}

export const BATCH_SCRIPT = 'job.sh';

/** The Slurm job name: what an administrator sees in squeue. */
export const jobName = (jobId: string): string => `ucloud-${jobId}`;

/** Marks a Slurm job as started by this plugin instance for this job, so it can be found again. */
export const jobMarker = (instanceId: string, jobId: string): string =>
  `ucloud:${instanceId}:${jobId}`;

/** Where srun writes a rank's output; in the script, srun's `%t` stands for the rank. */
export const rankLogFile = (jobDir: string, rank: number | '%t', stream: LogStreamName): string =>
  join(jobDir, `rank-${rank}.${stream}`);

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `--time` as days-hours:minutes:seconds. Slurm rounds it up to whole minutes. */
export function slurmTime(ms: number): string {
  const total = Math.max(1, Math.ceil(ms / 1000));
  const days = Math.floor(total / 86_400);
  const pad = (n: number) => String(n).padStart(2, '0');
  const h = Math.floor((total % 86_400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  return `${days}-${pad(h)}:${pad(m)}:${pad(total % 60)}`;
}

/** What a job's environment is made of. */
export type JobEnvironmentSpec = Pick<BatchJob, 'jobId' | 'replicas' | 'environment'>;

/**
 * What every rank of the job has in its environment but its rank, which each rank of the batch
 * script gets from srun's task id (`UCLOUD_RANK=$SLURM_PROCID`).
 */
export const jobEnvironment = (job: JobEnvironmentSpec): Record<string, string> => ({
  ...job.environment,
  UCLOUD_JOB_ID: job.jobId,
  UCLOUD_NUMBER_OF_NODES: String(job.replicas),
});

/** The environment of `rank` for what runs as it outside the batch script (a shell). */
export const rankEnvironment = (job: JobEnvironmentSpec, rank: number): Record<string, string> => ({
  ...jobEnvironment(job),
  UCLOUD_RANK: String(rank),
});

/** A word for /bin/sh that stays one word whatever it contains. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * The batch script sbatch gets for a job. Its resources are #SBATCH lines, so the script alone
 * says how the job was run and can be submitted again as is. It starts one srun task per
 * replica; each task writes its own stdout/stderr file (appending, so a requeued job does not
 * move byte offsets a log follower already has) and knows its rank as UCLOUD_RANK.
 */
export function batchScript(job: BatchJob): string {
  const { product, jobDir } = job;
  for (const name of Object.keys(job.environment)) {
    if (!ENV_NAME.test(name)) {
      throw new InvalidArgumentError(
        `Environment variable name ${JSON.stringify(name)} is not usable`,
      );
    }
  }
  const directives = [
    `--job-name=${jobName(job.jobId)}`,
    `--comment=${job.marker}`,
    product.partition && `--partition=${product.partition}`,
    product.qos && `--qos=${product.qos}`,
    product.account && `--account=${product.account}`,
    ...(product.placement === 'node-per-rank'
      ? [`--nodes=${job.replicas}`, `--ntasks=${job.replicas}`, '--ntasks-per-node=1']
      : [`--ntasks=${job.replicas}`]),
    `--cpus-per-task=${job.cpu}`,
    job.memoryMb > 0 &&
      (product.placement === 'node-per-rank'
        ? `--mem=${job.memoryMb}M`
        : `--mem-per-cpu=${Math.ceil(job.memoryMb / job.cpu)}M`),
    job.gpu > 0 && `--gpus-per-task=${job.gpu}`,
    job.timeAllocationMs !== null && `--time=${slurmTime(job.timeAllocationMs)}`,
    `--chdir=${jobDir}`,
    `--output=${join(jobDir, 'batch.stdout')}`,
    `--error=${join(jobDir, 'batch.stderr')}`,
  ].filter((d): d is string => typeof d === 'string' && d !== '');

  const srun = [
    'exec srun',
    '--open-mode=append',
    `--cpus-per-task=${job.cpu}`,
    `--output=${rankLogFile(jobDir, '%t', 'stdout')}`,
    `--error=${rankLogFile(jobDir, '%t', 'stderr')}`,
    `/bin/sh -c 'UCLOUD_RANK=$SLURM_PROCID; export UCLOUD_RANK; exec "$@"' ucloud-rank`,
    job.argv.map(shellQuote).join(' '),
  ];
  return [
    '#!/bin/sh',
    ...directives.map((d) => `#SBATCH ${d}`),
    `# UCloud job ${job.jobId}: each rank writes rank-<rank>.stdout and rank-<rank>.stderr here.`,
    ...Object.entries(jobEnvironment(job)).map(([k, v]) => `export ${k}=${shellQuote(v)}`),
    srun.join(' \\\n  '),
    '',
  ].join('\n');
}
