import { closeOnSignals, createLogger } from '@ucloud/provider-sdk';
import { loadConfig } from './config.js';
import { startDockerPlugin } from './start.js';

const config = loadConfig();
const logger = createLogger({ level: config.logLevel });
const server = await startDockerPlugin(config, logger);

// The engine runs the containers: neither these signals nor our exit reach them.
closeOnSignals(server, logger);
