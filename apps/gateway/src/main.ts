import { createLogger } from '@ucloud/contracts/logger';
import { ConfigError, loadConfig } from './config.js';
import { Gateway } from './gateway.js';

/** Gives up on a clean shutdown after this long (e.g. a plugin call that hangs). */
const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, name: 'gateway' });
  const gateway = new Gateway(config, { logger });
  const url = await gateway.start();
  logger.info(
    {
      url,
      provider: config.providerId,
      plugins: config.plugins,
      orchestrator: config.orchestratorUrl,
    },
    'gateway listening',
  );
  if (gateway.metricsUrl) logger.info({ url: gateway.metricsUrl }, 'metrics listening');

  const shutdown = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    gateway.stop().then(
      () => logger.info('gateway stopped'),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
