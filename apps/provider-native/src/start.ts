import { serverCredentials, servePlugin, type PluginServer } from '@ucloud/provider-sdk';
import { type Logger } from 'pino';
import { type NativeConfig } from './config.js';
import { NativeBackend } from './native-backend.js';

/** Serves the native plugin as configured; close() leaves its running jobs running. */
export function startNativePlugin(config: NativeConfig, logger: Logger): Promise<PluginServer> {
  const backend = new NativeBackend({
    dataDir: config.dataDir,
    providerId: config.providerId,
    products: config.products,
    terminateGraceMs: config.terminateGraceMs,
  });
  return servePlugin(backend, {
    address: config.grpcAddress,
    dataDir: config.dataDir,
    logger,
    credentials: serverCredentials(config.tls),
  });
}
