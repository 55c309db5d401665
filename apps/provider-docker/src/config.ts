import { resolve } from 'node:path';
import { LogLevel, parseEnv, productsSetting } from '@ucloud/provider-sdk';
import { z } from 'zod';

export const ProductConfig = z.object({
  id: z.string().min(1),
  category: z.string().min(1),
  /** Per replica; used when a CreateJob request does not carry the product's resources. */
  cpu: z.number().positive().optional(),
  memoryInGigs: z.number().positive().optional(),
  /** Capabilities declared for the product; each defaults to on. A site turns off what it does not allow. */
  features: z
    .object({
      timeExtension: z.boolean(),
      suspension: z.boolean(),
      utilization: z.boolean(),
    })
    .partial()
    .default({}),
});
export type ProductConfig = z.infer<typeof ProductConfig>;

const DEFAULT_PRODUCTS: ProductConfig[] = [
  { id: 'docker-cpu', category: 'docker-cpu', features: {} },
];

const flag = z
  .enum(['true', 'false', '1', '0', ''])
  .default('false')
  .transform((v) => v === 'true' || v === '1');

const Env = z.object({
  GRPC_ADDRESS: z.string().min(1).default('127.0.0.1:50054'),
  DATA_DIR: z.string().min(1).default('./data/provider-docker'),
  PROVIDER_ID: z.string().min(1).default('example'),
  PRODUCTS: productsSetting(ProductConfig, DEFAULT_PRODUCTS),
  /** Where the engine answers, as the docker CLI reads it; unset: the engine's default socket. */
  DOCKER_HOST: z.string().min(1).default('unix:///var/run/docker.sock'),
  /** Per-job directories, bind-mounted into the job's containers: the engine must see this path. */
  JOBS_DIR: z.string().min(1).optional(),
  TERMINATE_GRACE_MS: z.coerce.number().int().min(0).default(5000),
  POLL_INTERVAL_MS: z.coerce.number().int().min(10).default(1000),
  /** Keep a job's containers after it ended (for inspection); they are removed by default. */
  KEEP_CONTAINERS: flag,
  LOG_LEVEL: LogLevel,
});

export interface DockerConfig {
  grpcAddress: string;
  /** Absolute: docker.db, the instance id and (by default) the jobs' directories live under it. */
  dataDir: string;
  jobsDir: string;
  providerId: string;
  products: ProductConfig[];
  dockerHost: string;
  terminateGraceMs: number;
  pollIntervalMs: number;
  keepContainers: boolean;
  logLevel: z.infer<typeof Env>['LOG_LEVEL'];
}

/** Reads the plugin's configuration from the environment; every setting has a default. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): DockerConfig {
  const c = parseEnv(Env, env);
  const dataDir = resolve(c.DATA_DIR);
  return {
    grpcAddress: c.GRPC_ADDRESS,
    dataDir,
    jobsDir: resolve(c.JOBS_DIR ?? resolve(dataDir, 'jobs')),
    providerId: c.PROVIDER_ID,
    products: c.PRODUCTS,
    dockerHost: c.DOCKER_HOST,
    terminateGraceMs: c.TERMINATE_GRACE_MS,
    pollIntervalMs: c.POLL_INTERVAL_MS,
    keepContainers: c.KEEP_CONTAINERS,
    logLevel: c.LOG_LEVEL,
  };
}
