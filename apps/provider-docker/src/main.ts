import { closeOnSignals } from '@ucloud/provider-sdk';
import { pino } from 'pino';
import { loadConfig } from './config.js';
import { startDockerPlugin } from './start.js';

const config = loadConfig();
const logger = pino({ level: config.logLevel });
const server = await startDockerPlugin(config, logger);

// The engine runs the containers: neither these signals nor our exit reach them.
closeOnSignals(server, logger);
