export { startOrchestrator, type Orchestrator } from './app.js';
export { loadConfig, type OrchestratorConfig } from './config.js';
