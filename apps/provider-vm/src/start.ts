import { servePlugin, type PluginServer } from '@ucloud/provider-sdk';
import { type Logger } from 'pino';
import { type VmConfig } from './config.js';
import { VmBackend } from './vm-backend.js';

/** The VM plugin's backend as configured. */
export function vmBackend(config: VmConfig): VmBackend {
  return new VmBackend({
    dataDir: config.dataDir,
    jobsDir: config.jobsDir,
    imageDir: config.imageDir,
    providerId: config.providerId,
    products: config.products,
    qemuBinary: config.qemuBinary,
    qemuImg: config.qemuImg,
    accel: config.accel,
    terminateGraceMs: config.terminateGraceMs,
    pollIntervalMs: config.pollIntervalMs,
  });
}

/** Serves the VM plugin as configured; close() leaves its running VMs running. */
export function startVmPlugin(config: VmConfig, logger: Logger): Promise<PluginServer> {
  return servePlugin(vmBackend(config), {
    address: config.grpcAddress,
    dataDir: config.dataDir,
    logger,
  });
}
