import { isAbsolute, join, resolve } from 'node:path';
import { ConfigurationError, LogLevel, parseEnv, productsSetting } from '@ucloud/provider-sdk';
import { z } from 'zod';

/** Partition, QoS and account names go into #SBATCH lines: no spaces, quotes or newlines. */
const SlurmName = z
  .string()
  .regex(/^[A-Za-z0-9_.+@:-]+$/, 'must be a plain Slurm name (letters, digits, _ . + @ : -)');

export const ProductConfig = z.object({
  id: z.string().min(1),
  category: z.string().min(1),
  /** Slurm partition; absent: the cluster's default partition. */
  partition: SlurmName.optional(),
  qos: SlurmName.optional(),
  account: SlurmName.optional(),
  /** Per replica; used when a CreateJob request does not carry the product's resources. */
  cpu: z.number().int().positive().optional(),
  memoryInGigs: z.number().positive().optional(),
  /**
   * `node-per-rank`: each replica gets a node of its own (`--nodes=N --ntasks-per-node=1`), as on
   * an HPC site where a product is a whole node. `packed`: Slurm places the N tasks wherever they
   * fit, several on one node if need be (a single-node cluster needs this for multi-replica jobs).
   */
  placement: z.enum(['node-per-rank', 'packed']).default('node-per-rank'),
  /** Whether the site lets the plugin `scontrol suspend/resume` jobs of this product. */
  suspension: z.boolean().default(false),
  /** Whether `scontrol update TimeLimit=+…` is allowed for this product's partition. */
  timeExtension: z.boolean().default(true),
});
export type ProductConfig = z.infer<typeof ProductConfig>;

const DEFAULT_PRODUCTS = [{ id: 'slurm-cpu', category: 'slurm-cpu' }];

/** Job directories go into #SBATCH --chdir/--output lines: `%` is a pattern there, spaces split. */
const PLAIN_PATH = /^[^\s%'"\\]+$/;

const Env = z.object({
  GRPC_ADDRESS: z.string().min(1).default('127.0.0.1:50052'),
  DATA_DIR: z.string().min(1).default('./data/provider-slurm'),
  /** Per-job working directories; must be on a file system the compute nodes share with us. */
  JOBS_DIR: z.string().regex(PLAIN_PATH, 'must not contain spaces, quotes or %').optional(),
  PROVIDER_ID: z.string().min(1).default('example'),
  PRODUCTS: productsSetting(ProductConfig, DEFAULT_PRODUCTS),
  /** How often squeue is asked about our jobs. */
  POLL_INTERVAL_MS: z.coerce.number().int().min(50).default(1000),
  /** How long one Slurm command may take before it counts as failed. */
  COMMAND_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  LOG_LEVEL: LogLevel,
});

export interface SlurmConfig {
  grpcAddress: string;
  /** Absolute: the plugin's databases. */
  dataDir: string;
  /** Absolute. */
  jobsDir: string;
  providerId: string;
  products: ProductConfig[];
  pollIntervalMs: number;
  commandTimeoutMs: number;
  logLevel: z.infer<typeof Env>['LOG_LEVEL'];
}

/**
 * Reads the plugin's configuration from the environment; every setting has a default that runs.
 * Slurm's own commands read theirs as usual (SLURM_CONF, or /etc/slurm/slurm.conf).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): SlurmConfig {
  const c = parseEnv(Env, env);
  const dataDir = resolve(c.DATA_DIR);
  const jobsDir = c.JOBS_DIR === undefined ? join(dataDir, 'jobs') : resolve(c.JOBS_DIR);
  if (!isAbsolute(jobsDir) || !PLAIN_PATH.test(jobsDir)) {
    throw new ConfigurationError(`JOBS_DIR (${jobsDir}) must not contain spaces, quotes or %`);
  }
  return {
    grpcAddress: c.GRPC_ADDRESS,
    dataDir,
    jobsDir,
    providerId: c.PROVIDER_ID,
    products: c.PRODUCTS,
    pollIntervalMs: c.POLL_INTERVAL_MS,
    commandTimeoutMs: c.COMMAND_TIMEOUT_MS,
    logLevel: c.LOG_LEVEL,
  };
}
