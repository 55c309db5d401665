export { loadConfig, type DockerConfig, type ProductConfig } from './config.js';
export { DockerBackend, type DockerBackendOptions } from './docker-backend.js';
export { connectEngine, engineOptions } from './engine.js';
export { startDockerPlugin } from './start.js';
