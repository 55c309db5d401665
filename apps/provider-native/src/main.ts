import { closeOnSignals, createLogger } from '@ucloud/provider-sdk';
import { loadConfig } from './config.js';
import { startNativePlugin } from './start.js';

const config = loadConfig();
const logger = createLogger({ level: config.logLevel });
const server = await startNativePlugin(config, logger);

// Jobs run in their own sessions, so neither these signals nor our exit reach them.
closeOnSignals(server, logger);
