import { serverCredentials, servePlugin, type PluginServer } from '@ucloud/provider-sdk';
import { type Logger } from 'pino';
import { type DockerConfig } from './config.js';
import { DockerBackend } from './docker-backend.js';
import { connectEngine } from './engine.js';

/** Serves the Docker plugin as configured; close() leaves its running containers running. */
export function startDockerPlugin(config: DockerConfig, logger: Logger): Promise<PluginServer> {
  const backend = new DockerBackend({
    docker: connectEngine(config.dockerHost),
    dataDir: config.dataDir,
    jobsDir: config.jobsDir,
    providerId: config.providerId,
    products: config.products,
    terminateGraceMs: config.terminateGraceMs,
    pollIntervalMs: config.pollIntervalMs,
    keepContainers: config.keepContainers,
  });
  return servePlugin(backend, {
    address: config.grpcAddress,
    dataDir: config.dataDir,
    logger,
    credentials: serverCredentials(config.tls),
  });
}
