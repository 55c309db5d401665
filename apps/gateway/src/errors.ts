import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { ApiError, type ErrorCode } from '@ucloud/contracts';

/** How a plugin's gRPC status reads to the orchestrator. */
const GRPC_TO_API: Partial<Record<GrpcStatus, ErrorCode>> = {
  [GrpcStatus.INVALID_ARGUMENT]: 'BAD_REQUEST',
  [GrpcStatus.OUT_OF_RANGE]: 'BAD_REQUEST',
  [GrpcStatus.UNIMPLEMENTED]: 'BAD_REQUEST',
  [GrpcStatus.NOT_FOUND]: 'NOT_FOUND',
  [GrpcStatus.ALREADY_EXISTS]: 'CONFLICT',
  // The job is not in a state that allows the call (e.g. suspending a finished job).
  [GrpcStatus.FAILED_PRECONDITION]: 'CONFLICT',
  [GrpcStatus.ABORTED]: 'CONFLICT',
  [GrpcStatus.PERMISSION_DENIED]: 'FORBIDDEN',
  [GrpcStatus.RESOURCE_EXHAUSTED]: 'TOO_MANY_REQUESTS',
  [GrpcStatus.UNAVAILABLE]: 'SERVICE_UNAVAILABLE',
  [GrpcStatus.DEADLINE_EXCEEDED]: 'SERVICE_UNAVAILABLE',
  [GrpcStatus.CANCELLED]: 'SERVICE_UNAVAILABLE',
};

/** A plugin call that failed; carries the gRPC status and the HTTP meaning of it. */
export class PluginCallError extends ApiError {
  readonly grpcCode: GrpcStatus;

  constructor(
    readonly plugin: string,
    readonly rpc: string,
    cause: ServiceError,
  ) {
    const code = GRPC_TO_API[cause.code] ?? 'BAD_GATEWAY';
    super(code, pluginErrorMessage(plugin, rpc, cause));
    this.name = 'PluginCallError';
    this.grpcCode = cause.code;
    this.cause = cause;
  }
}

function pluginErrorMessage(plugin: string, rpc: string, cause: ServiceError): string {
  const details = cause.details || GrpcStatus[cause.code];
  switch (cause.code) {
    case GrpcStatus.UNIMPLEMENTED:
      return `${rpc} is not supported by this provider (plugin ${plugin}): ${details}`;
    case GrpcStatus.UNAVAILABLE:
    case GrpcStatus.DEADLINE_EXCEEDED:
      return `Plugin ${plugin} is unavailable: ${details}`;
    default:
      return GRPC_TO_API[cause.code] ? details : `Plugin ${plugin} failed in ${rpc}: ${details}`;
  }
}

/** A JobsControl call to the orchestrator that failed; `trpcCode` is null when it was not reached. */
export class OrchestratorCallError extends ApiError {
  constructor(
    readonly procedure: string,
    readonly trpcCode: string | null,
    message: string,
  ) {
    super('BAD_GATEWAY', `Orchestrator ${procedure} failed: ${message}`);
    this.name = 'OrchestratorCallError';
  }
}
