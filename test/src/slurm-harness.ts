import { execFile } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestStack, useStack, type TestStack } from './harness.js';

/**
 * The Slurm tests run against a real single-node cluster (scripts/slurm-up.sh), never a fake.
 * SLURM_CONF points at it; unset, the script's default location is used, and the cluster is
 * brought up there when it is not running. Where Slurm is not installed the tests are skipped
 * loudly, unless SLURM_TESTS=required (CI), where that is a failure like any other.
 */
export type SlurmCluster = { ok: true; conf: string } | { ok: false; reason: string };

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DEFAULT_CONF = '/tmp/ucloud-slurm/slurm.conf';

export const SLURM_PRODUCT = { id: 'slurm-cpu', category: 'slurm-cpu', provider: 'example' };

/** The plugin's PRODUCTS: packed placement, since the test cluster has one node. */
export const SLURM_PLUGIN_PRODUCTS = [
  {
    id: SLURM_PRODUCT.id,
    category: SLURM_PRODUCT.category,
    partition: 'batch',
    placement: 'packed',
    suspension: true,
  },
];

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeout = 30_000,
): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(command, args, { env: { ...process.env, ...env }, timeout }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${command} ${args.join(' ')}: ${stderr.trim() || err.message}`));
      else resolvePromise(stdout);
    });
  });
}

async function answers(conf: string): Promise<boolean> {
  try {
    const states = await run('sinfo', ['-h', '-o', '%T'], { SLURM_CONF: conf }, 15_000);
    // `planned` (backfill holds the node for a pending job) and `completing` last a while after a
    // burst of cancelled jobs: the node still takes jobs.
    return /idle|mix|alloc|planned|completing/.test(states);
  } catch {
    return false;
  }
}

async function installed(): Promise<string[]> {
  const missing: string[] = [];
  for (const bin of ['sbatch', 'squeue', 'slurmctld', 'slurmd', 'munged']) {
    try {
      await run('sh', ['-c', `command -v ${bin} || PATH="$PATH:/usr/sbin" command -v ${bin}`]);
    } catch {
      missing.push(bin);
    }
  }
  return missing;
}

/** Finds the test cluster, starting it if need be; see SlurmCluster. */
export async function slurmCluster(): Promise<SlurmCluster> {
  const conf = process.env.SLURM_CONF ?? DEFAULT_CONF;
  const required = process.env.SLURM_TESTS === 'required';
  const unusable = (reason: string): SlurmCluster => {
    if (required) throw new Error(`SLURM_TESTS=required, but ${reason}`);
    console.warn(
      `\n${'!'.repeat(100)}\n!! SKIPPING THE SLURM TESTS: ${reason}\n${'!'.repeat(100)}\n`,
    );
    return { ok: false, reason };
  };
  if (await answers(conf)) return { ok: true, conf };

  const missing = await installed();
  if (missing.length > 0) {
    return unusable(
      `Slurm is not installed here (missing ${missing.join(', ')}): apt-get install -y slurm-wlm munge`,
    );
  }
  if (process.env.SLURM_CONF !== undefined) {
    throw new Error(`The Slurm cluster of SLURM_CONF=${conf} does not answer (sinfo)`);
  }
  // Installed but not running: bring the test cluster up, as .ci/run does.
  await run('bash', [join(REPO, 'scripts', 'slurm-up.sh'), dirname(conf)], {}, 60_000);
  if (!(await answers(conf))) throw new Error(`scripts/slurm-up.sh ran, but sinfo gets no answer`);
  return { ok: true, conf };
}

export interface SlurmStack extends TestStack {
  /** Runs a Slurm command against the test cluster (as an administrator would). */
  slurm(command: string, ...args: string[]): Promise<string>;
  /** Shuts slurmctld down (its state is kept) and waits until it no longer answers. */
  stopController(): Promise<void>;
  /** Starts slurmctld again on its saved state and waits until it answers. */
  startController(): Promise<void>;
}

/** Cancels the Slurm jobs whose working directory is under `dir`: they outlive what started them. */
export async function cancelJobsUnder(conf: string, dir: string): Promise<void> {
  const jobs = await run('squeue', ['-h', '-o', '%i %Z'], { SLURM_CONF: conf });
  const ours = jobs
    .split('\n')
    .map((line) => line.trim().split(' '))
    .filter(([id, jobDir]) => id && jobDir?.startsWith(dir))
    .map(([id]) => id!);
  if (ours.length > 0) await run('scancel', ours, { SLURM_CONF: conf });
}

/**
 * Orchestrator + gateway + Slurm plugin, with the demo catalog plus the Slurm product: a copy of
 * the demo product with its own name, one CPU and 1 GB. It is free to use: these tests are about
 * Slurm, not about credits. The demo's applications run /bin/sh commands, which the compute node has.
 */
export async function startSlurmStack(cluster: { conf: string }): Promise<SlurmStack> {
  const stack = await startTestStack({
    plugin: 'slurm',
    catalog: {
      products: [
        {
          ...SLURM_PRODUCT,
          fields: {
            description: 'One CPU of the test cluster partition "batch"',
            cpu: 1,
            memoryInGigs: 1,
            freeToUse: true,
          },
          categoryFields: { freeToUse: true },
        },
      ],
    },
    env: {
      slurm: {
        SLURM_CONF: cluster.conf,
        PRODUCTS: JSON.stringify(SLURM_PLUGIN_PRODUCTS),
        POLL_INTERVAL_MS: '250',
      },
      orchestrator: {
        // Slurm ends jobs at their time limit up to 30 s late (its timer); the orchestrator's
        // own backstop must not beat it to it, or the tests would not see Slurm's TIMEOUT.
        EXPIRY_GRACE_MS: '180000',
      },
    },
  });
  const slurm = (command: string, ...args: string[]) =>
    run(command, args, { SLURM_CONF: cluster.conf });
  const waitFor = async (answering: boolean) => {
    const deadline = Date.now() + 30_000;
    while ((await answers(cluster.conf)) !== answering) {
      if (Date.now() > deadline) {
        throw new Error(`slurmctld still ${answering ? 'does not answer' : 'answers'} after 30 s`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const dispose = async () => {
    // Slurm jobs outlive the stack; cancel the ones it left behind before their files go.
    await cancelJobsUnder(cluster.conf, stack.dataDir);
    await stack.dispose();
  };
  return {
    ...stack,
    slurm,
    async stopController() {
      await slurm('scontrol', 'shutdown', 'slurmctld');
      await waitFor(false);
    },
    async startController() {
      // Without -c: the jobs slurmctld knew are read back from its state directory.
      await run('sh', ['-c', 'PATH="$PATH:/usr/sbin:/sbin" exec slurmctld'], {
        SLURM_CONF: cluster.conf,
      });
      await waitFor(true);
    },
    dispose,
    [Symbol.asyncDispose]: dispose,
  };
}

/** useStack for the Slurm tests: a Slurm stack for the tests of the describe block calling it. */
export function useSlurmStack(cluster: SlurmCluster): SlurmStack {
  return useStack(() =>
    cluster.ok ? startSlurmStack(cluster) : Promise.reject(new Error(cluster.reason)),
  );
}
