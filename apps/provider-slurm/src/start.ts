import { serverCredentials, servePlugin, type PluginServer } from '@ucloud/provider-sdk';
import { type Logger } from 'pino';
import { type SlurmConfig } from './config.js';
import { SlurmBackend } from './slurm-backend.js';
import { SlurmCli } from './slurm-cli.js';

/** Serves the Slurm plugin as configured; close() leaves the Slurm jobs running. */
export function startSlurmPlugin(config: SlurmConfig, logger: Logger): Promise<PluginServer> {
  const backend = new SlurmBackend({
    dataDir: config.dataDir,
    jobsDir: config.jobsDir,
    providerId: config.providerId,
    products: config.products,
    pollIntervalMs: config.pollIntervalMs,
    slurm: new SlurmCli({ timeoutMs: config.commandTimeoutMs }),
  });
  return servePlugin(backend, {
    address: config.grpcAddress,
    dataDir: config.dataDir,
    logger,
    credentials: serverCredentials(config.tls),
  });
}
