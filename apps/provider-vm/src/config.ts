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
 * What the plugin offers each product; a product's `features` turn these off. Suspension is QMP
 * stop/cont. VNC is left out until the gateway's VNC sessions reach `vncTarget`.
 */
export const VM_FEATURES: ProductFeatures = {
  timeExtension: true,
  suspension: true,
  utilization: true,
};

const Env = pluginEnv({
  grpcAddress: '127.0.0.1:50055',
  dataDir: './data/provider-vm',
  product: ProductConfig,
  products: [{ id: 'vm-cpu', category: 'vm-cpu' }],
}).extend({
  QEMU_BINARY: z.string().min(1).default('qemu-system-x86_64'),
  QEMU_IMG: z.string().min(1).default('qemu-img'),
  /** `auto` takes KVM where /dev/kvm opens; `tcg` where KVM is there but does not work. */
  ACCEL: z.enum(['auto', 'kvm', 'tcg']).default('auto'),
  /** One folder per image name (see images.ts). */
  IMAGE_DIR: z.string().min(1).default('/var/lib/ucloud/vm-images'),
  /** Per-job directories: consoles, sockets, pid files, overlays. */
  JOBS_DIR: z.string().min(1).optional(),
  /** Between the ACPI power-off request and QMP quit. */
  TERMINATE_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  POLL_INTERVAL_MS: z.coerce.number().int().min(10).default(1000),
});

/** `dataDir` (absolute) holds vm.db and, by default, the jobs' directories. */
export interface VmConfig extends PluginConfig<ProductConfig> {
  jobsDir: string;
  imageDir: string;
  qemuBinary: string;
  qemuImg: string;
  accel: 'auto' | 'kvm' | 'tcg';
  terminateGraceMs: number;
  pollIntervalMs: number;
}

/** Reads the plugin's configuration from the environment; every setting has a default. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): VmConfig {
  const { common, settings } = readPluginEnv(Env, env);
  return {
    ...common,
    jobsDir: resolve(settings.JOBS_DIR ?? resolve(common.dataDir, 'jobs')),
    imageDir: resolve(settings.IMAGE_DIR),
    qemuBinary: settings.QEMU_BINARY,
    qemuImg: settings.QEMU_IMG,
    accel: settings.ACCEL,
    terminateGraceMs: settings.TERMINATE_GRACE_MS,
    pollIntervalMs: settings.POLL_INTERVAL_MS,
  };
}
