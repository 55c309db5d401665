import { closeOnSignals } from '@ucloud/provider-sdk';
import { pino } from 'pino';
import { loadConfig } from './config.js';
import { startVmPlugin } from './start.js';

const config = loadConfig();
const logger = pino({ level: config.logLevel });
const server = await startVmPlugin(config, logger);

// The VMs are daemons in their own sessions: neither these signals nor our exit reach them.
closeOnSignals(server, logger);
