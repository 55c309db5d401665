export { loadConfig, type ProductConfig, type SlurmConfig } from './config.js';
export { SlurmBackend, type SlurmBackendOptions } from './slurm-backend.js';
export { SlurmCli, type SlurmCommands } from './slurm-cli.js';
export { startSlurmPlugin } from './start.js';
