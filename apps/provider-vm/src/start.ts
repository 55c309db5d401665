import { serverCredentials, servePlugin, type PluginServer } from '@ucloud/provider-sdk';
import { type Logger } from 'pino';
import { type VmConfig } from './config.js';
import { VmBackend } from './vm-backend.js';

/** The VM plugin's backend as configured. */
export const vmBackend = (config: VmConfig) => new VmBackend(config);

/** Serves the VM plugin as configured; close() leaves its running VMs running. */
export function startVmPlugin(config: VmConfig, logger: Logger): Promise<PluginServer> {
  const { grpcAddress: address, dataDir, tls } = config;
  return servePlugin(vmBackend(config), {
    address,
    dataDir,
    logger,
    credentials: serverCredentials(tls),
  });
}
