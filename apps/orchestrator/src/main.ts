import { ConfigError } from '@ucloud/contracts';
import { createLogger } from '@ucloud/contracts/logger';
import { startOrchestrator } from './app.js';
import { loadConfig } from './config.js';

let config;
try {
  config = loadConfig();
} catch (error) {
  // A bad setting is the operator's to fix: say which, without a stack trace.
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(2);
}
const log = createLogger({ level: config.logLevel });
const orchestrator = await startOrchestrator(config, log);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log.info({ signal }, 'orchestrator stopping');
    void orchestrator.close().then(() => process.exit(0));
  });
}
