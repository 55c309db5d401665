export { loadConfig, VM_FEATURES, type ProductConfig, type VmConfig } from './config.js';
export { newcArchive, type CpioEntry } from './cpio.js';
export { resolveImage, type VmImage } from './images.js';
export {
  jobInitramfs,
  renderCommand,
  renderJobEnv,
  writeJobInitrd,
  type JobParameters,
} from './job-initramfs.js';
export {
  accelDefault,
  buildQemuArgs,
  createOverlay,
  GUEST_APPEND,
  QemuError,
  qemuOptionValue,
  startQemu,
  type Accel,
  type AccelSetting,
  type QemuSpec,
} from './qemu.js';
export {
  QmpClient,
  QmpClosedError,
  QmpError,
  QmpProtocolError,
  QmpTimeoutError,
  queryStatus,
  setVncPassword,
  type QmpEvent,
  type QmpOptions,
  type VmStatus,
} from './qmp.js';
export { rankFiles, runningQemu, type RankFiles } from './rank-files.js';
export { shellExports, shellQuote, shellQuoteArgv } from './shell.js';
export { startVmPlugin, vmBackend } from './start.js';
export { VmBackend, type VmBackendOptions } from './vm-backend.js';
