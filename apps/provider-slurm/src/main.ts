import { closeOnSignals, createLogger } from '@ucloud/provider-sdk';
import { loadConfig } from './config.js';
import { startSlurmPlugin } from './start.js';

const config = loadConfig();
const logger = createLogger({ level: config.logLevel });
const server = await startSlurmPlugin(config, logger);

// The jobs belong to Slurm: stopping the plugin leaves them running.
closeOnSignals(server, logger);
