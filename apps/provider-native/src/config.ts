import { pluginEnv, ProductBase, readPluginEnv, type PluginConfig } from '@ucloud/provider-sdk';
import { z } from 'zod';

/** A `PRODUCTS` entry: the SDK's (id, category, cpu, memoryInGigs, features). */
export const ProductConfig = ProductBase;
export type ProductConfig = ProductBase;

const Env = pluginEnv({
  grpcAddress: '127.0.0.1:50051',
  dataDir: './data/provider-native',
  product: ProductConfig,
  products: [{ id: 'example-compute', category: 'example-compute' }],
}).extend({
  TERMINATE_GRACE_MS: z.coerce.number().int().min(0).default(5000),
});

/** `dataDir` (absolute) holds the jobs' working directories and log files. */
export interface NativeConfig extends PluginConfig<ProductConfig> {
  terminateGraceMs: number;
}

/** Reads the plugin's configuration from the environment; every setting has a default that runs. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): NativeConfig {
  const { common, settings } = readPluginEnv(Env, env);
  return {
    ...common,
    terminateGraceMs: settings.TERMINATE_GRACE_MS,
  };
}
