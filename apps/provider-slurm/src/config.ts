import { isAbsolute, join, resolve } from 'node:path';
import {
  ConfigurationError,
  pluginEnv,
  ProductBase,
  readPluginEnv,
  type PluginConfig,
} from '@ucloud/provider-sdk';
import { z } from 'zod';

/** Partition, QoS and account names go into #SBATCH lines: no spaces, quotes or newlines. */
const SlurmName = z
  .string()
  .regex(/^[A-Za-z0-9_.+@:-]+$/, 'must be a plain Slurm name (letters, digits, _ . + @ : -)');

/**
 * A `PRODUCTS` entry: the SDK's (id, category, cpu, memoryInGigs, features) and where in Slurm it
 * runs. `suspension` and `timeExtension` at the top level are shorthands for those `features`.
 */
export const ProductConfig = ProductBase.extend({
  /** Slurm partition; absent: the cluster's default partition. */
  partition: SlurmName.optional(),
  qos: SlurmName.optional(),
  account: SlurmName.optional(),
  cpu: z.number().int().positive().optional(),
  /**
   * `node-per-rank`: each replica gets a node of its own (`--nodes=N --ntasks-per-node=1`), as on
   * an HPC site where a product is a whole node. `packed`: Slurm places the N tasks wherever they
   * fit, several on one node if need be (a single-node cluster needs this for multi-replica jobs).
   */
  placement: z.enum(['node-per-rank', 'packed']).default('node-per-rank'),
  suspension: z.boolean().optional(),
  timeExtension: z.boolean().optional(),
}).transform(({ suspension, timeExtension, ...p }) => ({
  ...p,
  features: {
    ...(suspension === undefined ? {} : { suspension }),
    ...(timeExtension === undefined ? {} : { timeExtension }),
    ...p.features,
  },
}));
export type ProductConfig = z.infer<typeof ProductConfig>;

/** Job directories go into #SBATCH --chdir/--output lines: `%` is a pattern there, spaces split. */
const PLAIN_PATH = /^[^\s%'"\\]+$/;

const Env = pluginEnv({
  product: ProductConfig,
  products: [{ id: 'slurm-cpu', category: 'slurm-cpu' }],
  grpcAddress: '127.0.0.1:50052',
  dataDir: './data/provider-slurm',
}).extend({
  /** Per-job working directories; must be on a file system the compute nodes share with us. */
  JOBS_DIR: z.string().regex(PLAIN_PATH, 'must not contain spaces, quotes or %').optional(),
  /** How often squeue is asked about our jobs. */
  POLL_INTERVAL_MS: z.coerce.number().int().min(50).default(1000),
  /** How long one Slurm command may take before it counts as failed. */
  COMMAND_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
});

/** `dataDir` (absolute) holds the plugin's databases. */
export interface SlurmConfig extends PluginConfig<ProductConfig> {
  /** Absolute. */
  jobsDir: string;
  pollIntervalMs: number;
  commandTimeoutMs: number;
}

/**
 * Reads the plugin's configuration from the environment; every setting has a default that runs.
 * Slurm's own commands read theirs as usual (SLURM_CONF, or /etc/slurm/slurm.conf).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): SlurmConfig {
  const { common, settings: c } = readPluginEnv(Env, env);
  const jobsDir = c.JOBS_DIR === undefined ? join(common.dataDir, 'jobs') : resolve(c.JOBS_DIR);
  if (!isAbsolute(jobsDir) || !PLAIN_PATH.test(jobsDir)) {
    throw new ConfigurationError(`JOBS_DIR (${jobsDir}) must not contain spaces, quotes or %`);
  }
  return {
    ...common,
    jobsDir,
    pollIntervalMs: c.POLL_INTERVAL_MS,
    commandTimeoutMs: c.COMMAND_TIMEOUT_MS,
  };
}
