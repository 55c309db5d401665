export { loadConfig, type NativeConfig, type ProductConfig } from './config.js';
export { NativeBackend, type NativeBackendOptions } from './native-backend.js';
export { startNativePlugin } from './start.js';
