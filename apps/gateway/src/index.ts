export { type GatewayConfig, loadConfig, ConfigError, type PluginEndpoint } from './config.js';
export { Gateway, type GatewayTuning, DEFAULT_TUNING } from './gateway.js';
export type { PumpState } from './event-pump.js';
