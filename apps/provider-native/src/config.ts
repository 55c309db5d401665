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
      web: z.boolean(),
    })
    .partial()
    .default({}),
});
export type ProductConfig = z.infer<typeof ProductConfig>;

const DEFAULT_PRODUCTS: ProductConfig[] = [
  { id: 'example-compute', category: 'example-compute', features: {} },
];

const Env = z.object({
  GRPC_ADDRESS: z.string().min(1).default('127.0.0.1:50051'),
  DATA_DIR: z.string().min(1).default('./data/provider-native'),
  PROVIDER_ID: z.string().min(1).default('example'),
  PRODUCTS: productsSetting(ProductConfig, DEFAULT_PRODUCTS),
  /** Host name in the links of web sessions: where users' browsers reach this machine. */
  PUBLIC_HOST: z.string().min(1).default('127.0.0.1'),
  TERMINATE_GRACE_MS: z.coerce.number().int().min(0).default(5000),
  LOG_LEVEL: LogLevel,
});

export interface NativeConfig {
  grpcAddress: string;
  /** Absolute: jobs' working directories and log files live under it. */
  dataDir: string;
  providerId: string;
  products: ProductConfig[];
  publicHost: string;
  terminateGraceMs: number;
  logLevel: z.infer<typeof Env>['LOG_LEVEL'];
}

/** Reads the plugin's configuration from the environment; every setting has a default that runs. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): NativeConfig {
  const c = parseEnv(Env, env);
  return {
    grpcAddress: c.GRPC_ADDRESS,
    dataDir: resolve(c.DATA_DIR),
    providerId: c.PROVIDER_ID,
    products: c.PRODUCTS,
    publicHost: c.PUBLIC_HOST,
    terminateGraceMs: c.TERMINATE_GRACE_MS,
    logLevel: c.LOG_LEVEL,
  };
}
