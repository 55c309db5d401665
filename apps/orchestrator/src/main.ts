import pino from 'pino';
import { startOrchestrator } from './app.js';
import { loadConfig } from './config.js';

const config = loadConfig();
const log = pino({ level: config.logLevel });
const orchestrator = await startOrchestrator(config, log);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log.info({ signal }, 'orchestrator stopping');
    void orchestrator.close().then(() => process.exit(0));
  });
}
