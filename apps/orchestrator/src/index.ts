export { startOrchestrator, type Orchestrator } from './app.js';
export { loadConfig, type OrchestratorConfig } from './config.js';
export { DEMO_CATALOG_FILE } from './catalog/catalog.js';
export { openApiDocument } from './http/rest.js';
export { generateSiteData, makeRunningJobsDue, type SiteData } from './testing/site-data.js';
