import { pino } from 'pino';
import { loadConfig } from './config.js';
import { startNativePlugin } from './start.js';

const config = loadConfig();
const logger = pino({ level: config.logLevel });
const server = await startNativePlugin(config, logger);

// Jobs run in their own sessions, so neither these signals nor our exit reach them: they keep
// running and the next start re-attaches to them.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
