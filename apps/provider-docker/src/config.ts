import {
  pluginEnv,
  ProductBase,
  readPluginEnv,
  type PluginConfig,
  type ProductFeatures,
} from '@ucloud/provider-sdk';
import { resolve } from 'node:path';
import { z } from 'zod';

/** A `PRODUCTS` entry: the SDK's (id, category, cpu, memoryInGigs, features). */
export const ProductConfig = ProductBase;
export type ProductConfig = ProductBase;

/**
 * What the plugin offers each product; a product's `features` turn these off. Peers: the ranks of
 * a job share a network and reach each other as rank-0, rank-1, …; suspension is pause/unpause;
 * shells are an exec with a terminal in the rank's container; web applications are reached at
 * the container's address on the job's network (the gateway's host must reach it: the engine runs
 * on that host).
 */
export const DOCKER_FEATURES: ProductFeatures = {
  timeExtension: true,
  suspension: true,
  utilization: true,
  peers: true,
  terminal: true,
  web: true,
};

const flag = z
  .enum(['true', 'false', '1', '0', ''])
  .default('false')
  .transform((v) => v === 'true' || v === '1');

const Env = pluginEnv({
  grpcAddress: '127.0.0.1:50054',
  dataDir: './data/provider-docker',
  product: ProductConfig,
  products: [{ id: 'docker-cpu', category: 'docker-cpu' }],
}).extend({
  /** Where the engine answers, as the docker CLI reads it. */
  DOCKER_HOST: z.string().min(1).default('unix:///var/run/docker.sock'),
  /** Per-job directories, bind-mounted into the job's containers: the engine must see this path. */
  JOBS_DIR: z.string().min(1).optional(),
  TERMINATE_GRACE_MS: z.coerce.number().int().min(0).default(5000),
  POLL_INTERVAL_MS: z.coerce.number().int().min(10).default(1000),
  /** Keep a job's containers after it ended (for inspection); they are removed by default. */
  KEEP_CONTAINERS: flag,
});

/** `dataDir` (absolute) holds docker.db, the instance id and, by default, the jobs' directories. */
export interface DockerConfig extends PluginConfig<ProductConfig> {
  jobsDir: string;
  dockerHost: string;
  terminateGraceMs: number;
  pollIntervalMs: number;
  keepContainers: boolean;
}

/** Reads the plugin's configuration from the environment; every setting has a default. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): DockerConfig {
  const { common, settings } = readPluginEnv(Env, env);
  return {
    ...common,
    jobsDir: resolve(settings.JOBS_DIR ?? resolve(common.dataDir, 'jobs')),
    dockerHost: settings.DOCKER_HOST,
    terminateGraceMs: settings.TERMINATE_GRACE_MS,
    pollIntervalMs: settings.POLL_INTERVAL_MS,
    keepContainers: settings.KEEP_CONTAINERS,
  };
}
