import { pino } from 'pino';
import { loadConfig } from './config.js';
import { startSlurmPlugin } from './start.js';

const config = loadConfig();
const logger = pino({ level: config.logLevel });
const server = await startSlurmPlugin(config, logger);

// The jobs belong to Slurm: stopping the plugin leaves them running, and the next start
// re-attaches to them.
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
