import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { type Logger } from 'pino';

/** An error a backend throws on purpose; its gRPC code tells the gateway which HTTP status to use. */
export abstract class PluginError extends Error {
  abstract readonly code: status;
}

export class NotFoundError extends PluginError {
  readonly code = status.NOT_FOUND;
  override readonly name = 'NotFoundError';
}

export class InvalidArgumentError extends PluginError {
  readonly code = status.INVALID_ARGUMENT;
  override readonly name = 'InvalidArgumentError';
}

/** The call is valid but the job's current state does not allow it (e.g. extending an ended job). */
export class FailedPreconditionError extends PluginError {
  readonly code = status.FAILED_PRECONDITION;
  override readonly name = 'FailedPreconditionError';
}

/** The plugin does not offer this operation (or not for this product). */
export class UnsupportedError extends PluginError {
  readonly code = status.UNIMPLEMENTED;
  override readonly name = 'UnsupportedError';
}

/** Capacity is exhausted; the caller may retry later. */
export class ResourceExhaustedError extends PluginError {
  readonly code = status.RESOURCE_EXHAUSTED;
  override readonly name = 'ResourceExhaustedError';
}

/** Something the plugin depends on (a scheduler, a daemon) cannot be reached; retrying may help. */
export class UnavailableError extends PluginError {
  readonly code = status.UNAVAILABLE;
  override readonly name = 'UnavailableError';
}

/** The `code` of a Node.js system error (`ENOENT`, `ESRCH`, …), if `err` is one. */
export function errnoCode(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string'
    ? err.code
    : undefined;
}

/**
 * The status a failed call answers with. Deliberate errors keep their code and message;
 * anything else is a bug or an environment failure, so it is logged and answered as INTERNAL.
 */
export function toServiceError(err: unknown, logger: Logger, method: string): ServiceError {
  const message = err instanceof Error ? err.message : String(err);
  let code: status;
  if (err instanceof PluginError) {
    code = err.code;
    logger.debug({ method, code: status[code], message }, 'call rejected');
  } else {
    code = status.INTERNAL;
    logger.error({ method, err }, 'call failed');
  }
  return Object.assign(new Error(message), { code, details: message, metadata: new Metadata() });
}
