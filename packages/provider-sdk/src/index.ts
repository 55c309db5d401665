export {
  JOB_STATES,
  isFinalState,
  type BackendKind,
  type ComputeBackend,
  type CreateJobResult,
  type CreateJobSpec,
  type JobEventInput,
  type JobStateName,
  type JournalEvent,
  type LogChunkOut,
  type LogPosition,
  type LogStreamName,
  type OpenedSession,
  type SessionStream,
  type SessionTarget,
  type TerminalSize,
  type PluginContext,
  type SessionKind,
  type ProductDescription,
  type StreamLogsSpec,
  type Utilization,
} from './backend.js';
export {
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  PluginError,
  ResourceExhaustedError,
  UnavailableError,
  UnsupportedError,
  errnoCode,
  toServiceError,
} from './errors.js';
export { streamFileLogs, type FileLogOptions, type LogFile } from './file-logs.js';
export { connectPlugin, type PluginClient } from './client.js';
export { EventJournal } from './journal.js';
// Plugins log like the other processes, in the format chosen in one place.
export { createLogger } from '@ucloud/contracts/logger';
export { StartedContext } from './started-context.js';
export {
  closeOnSignals,
  servePlugin,
  type PluginServer,
  type ServePluginOptions,
} from './server.js';
export { openSqlite, type SqliteDatabase } from './sqlite.js';
export {
  JobStoreBase,
  LifecycleJobStore,
  lifecycleJobsTable,
  type ColumnValue,
  type LifecycleJob,
  type LifecycleRow,
  type NewLifecycleJob,
  requireActive,
  type JobPhase,
  type StopReason,
  SchemaTooNewError,
  openVersionedSqlite,
  type Migration,
} from './job-store.js';
export {
  LifecycleBackend,
  LIFECYCLE_STATUS,
  exitStatus,
  stoppedOutcome,
  type Capacity,
  type Outcome,
  type RankExit,
} from './lifecycle-backend.js';
export { peersOf, type Peer } from './peers.js';
export { connectToRank } from './rank-connection.js';
export { freePort } from './ports.js';
export {
  ConfigurationError,
  LogLevel,
  parseEnv,
  pluginConfig,
  pluginEnv,
  productsSetting,
  readPluginEnv,
  type PluginConfig,
  type PluginEnvDefaults,
  type PluginEnvValues,
} from './plugin-config.js';
export {
  ProductBase,
  describeProducts,
  productFeatures,
  type ProductFeature,
  type ProductFeatures,
  type SupportBlock,
} from './products.js';
export { stateFromProto, stateToProto } from './wire.js';
/** The generated messages and enums, for code that handles the wire types directly. */
export * as proto from '@ucloud/provider-proto';
/** gRPC names a plugin's tests and its callers need, so they do not depend on grpc-js directly. */
export { status as GrpcStatus, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
export { type PluginTls, pluginTls, PluginTlsEnv, serverCredentials } from './plugin-tls.js';
