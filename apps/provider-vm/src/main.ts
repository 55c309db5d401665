import { closeOnSignals, createLogger } from '@ucloud/provider-sdk';
import { loadConfig } from './config.js';
import { startVmPlugin } from './start.js';

const config = loadConfig();
const logger = createLogger({ level: config.logLevel });
const server = await startVmPlugin(config, logger);

// The VMs are daemons in their own sessions: neither these signals nor our exit reach them.
closeOnSignals(server, logger);
