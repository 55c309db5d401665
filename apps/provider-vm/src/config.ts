import { pluginEnv, ProductBase, readPluginEnv } from '@ucloud/provider-sdk';
import type { PluginConfig, ProductFeatures } from '@ucloud/provider-sdk';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { type AccelSetting } from './qemu.js';

/** A `PRODUCTS` entry: the SDK's (id, category, cpu, memoryInGigs, features); `-smp` and `-m`. */
export type ProductConfig = ProductBase;

/**
 * What the plugin offers each product; a product's `features` turn these off. Suspension is QMP
 * stop/cont; VNC is each VM's own server, which the gateway serves as VNC over WebSocket; shells
 * are served by the guest on a serial port (serial-shell.ts), one at a time per rank.
 */
export const VM_FEATURES: ProductFeatures = {
  timeExtension: true,
  suspension: true,
  utilization: true,
  vnc: true,
  terminal: true,
};

/** Where the plugin listens and keeps its data, and what it offers, unless configured. */
const COMMON_DEFAULTS = {
  grpcAddress: '127.0.0.1:50055',
  dataDir: './data/provider-vm',
  product: ProductBase,
  products: [{ id: 'vm-cpu', category: 'vm-cpu' }],
};

const Env = pluginEnv(COMMON_DEFAULTS).extend({
  QEMU_BINARY: z.string().min(1).default('qemu-system-x86_64'),
  QEMU_IMG: z.string().min(1).default('qemu-img'),
  /** `auto` takes KVM where /dev/kvm opens; `tcg` where KVM is there but does not work. */
  ACCEL: z.enum(['auto', 'kvm', 'tcg']).default('auto'),
  /** One folder per image name (see images.ts). */
  IMAGE_DIR: z.string().min(1).default('/var/lib/ucloud/vm-images'),
  /** Per-job directories (consoles, sockets, pid files, overlays); DATA_DIR/jobs by default. */
  JOBS_DIR: z.string().min(1).optional(),
  /** Between the ACPI power-off request and QMP quit. */
  TERMINATE_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  /** How often the QEMU processes are looked at (QMP tells of their end at once as well). */
  POLL_INTERVAL_MS: z.coerce.number().int().min(10).default(1000),
});

/** The VM backend's own settings, as VmBackendOptions takes them. */
export interface VmSettings {
  jobsDir: string;
  imageDir: string;
  qemuBinary: string;
  qemuImg: string;
  accel: AccelSetting;
  terminateGraceMs: number;
  pollIntervalMs: number;
}

/** `dataDir` (absolute) holds vm.db and, by default, the jobs' directories. */
export type VmConfig = PluginConfig<ProductConfig> & VmSettings;

/** Reads the plugin's configuration from the environment; every setting has a default. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): VmConfig {
  const { common, settings: e } = readPluginEnv(Env, env);
  const vm: VmSettings = {
    qemuBinary: e.QEMU_BINARY,
    qemuImg: e.QEMU_IMG,
    accel: e.ACCEL,
    imageDir: resolve(e.IMAGE_DIR),
    jobsDir: resolve(e.JOBS_DIR ?? join(common.dataDir, 'jobs')),
    terminateGraceMs: e.TERMINATE_GRACE_MS,
    pollIntervalMs: e.POLL_INTERVAL_MS,
  };
  return { ...common, ...vm };
}
