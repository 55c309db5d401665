import {
  Backend,
  JobState,
  LogStream,
  type CreateJobRequest,
  type JobEvent,
  type LogChunk,
  type StreamLogsRequest,
} from '@ucloud/provider-proto';
import {
  JOB_STATES,
  type BackendKind,
  type CreateJobSpec,
  type JobStateName,
  type JournalEvent,
  type LogChunkOut,
  type LogPosition,
  type LogStreamName,
  type StreamLogsSpec,
} from './backend.js';
import { InvalidArgumentError } from './errors.js';

// Conversions between the generated proto messages and the SDK's plain types.

const STATE_TO_PROTO: Record<JobStateName, JobState> = {
  IN_QUEUE: JobState.JOB_STATE_IN_QUEUE,
  RUNNING: JobState.JOB_STATE_RUNNING,
  CANCELING: JobState.JOB_STATE_CANCELING,
  SUCCESS: JobState.JOB_STATE_SUCCESS,
  FAILURE: JobState.JOB_STATE_FAILURE,
  EXPIRED: JobState.JOB_STATE_EXPIRED,
  SUSPENDED: JobState.JOB_STATE_SUSPENDED,
};

const STATE_FROM_PROTO = new Map(JOB_STATES.map((name) => [STATE_TO_PROTO[name], name]));

/** The state name of a proto JobState; null for UNSPECIFIED (an event that changes no state). */
export function stateFromProto(state: JobState): JobStateName | null {
  return STATE_FROM_PROTO.get(state) ?? null;
}

export function stateToProto(state: JobStateName | null): JobState {
  return state === null ? JobState.JOB_STATE_UNSPECIFIED : STATE_TO_PROTO[state];
}

function backendKind(backend: Backend): BackendKind {
  switch (backend) {
    case Backend.BACKEND_NATIVE:
      return 'NATIVE';
    case Backend.BACKEND_DOCKER:
      return 'DOCKER';
    case Backend.BACKEND_VIRTUAL_MACHINE:
      return 'VIRTUAL_MACHINE';
    default:
      return 'UNSPECIFIED';
  }
}

function streamName(stream: LogStream): LogStreamName | null {
  switch (stream) {
    case LogStream.LOG_STREAM_STDOUT:
      return 'stdout';
    case LogStream.LOG_STREAM_STDERR:
      return 'stderr';
    default:
      return null;
  }
}

/** A uint64 that ts-proto hands over as a decimal string, as a safe JS integer. */
export function uint64(value: string, field: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new InvalidArgumentError(`${field} is not a usable unsigned integer: ${value}`);
  }
  return n;
}

export const toUint64 = (n: number): string => String(Math.max(0, Math.round(n)));

export function requireJobId(jobId: string): string {
  if (jobId === '') throw new InvalidArgumentError('job_id is required');
  return jobId;
}

export function createJobSpec(req: CreateJobRequest): CreateJobSpec {
  const timeAllocationMs = uint64(req.timeAllocationMs, 'time_allocation_ms');
  return {
    jobId: requireJobId(req.jobId),
    productId: req.productId,
    productCategory: req.productCategory,
    replicas: req.replicas,
    backend: backendKind(req.backend),
    argv: req.argv,
    environment: req.environment,
    image: req.image,
    timeAllocationMs: timeAllocationMs === 0 ? null : timeAllocationMs,
    cpu: req.cpu,
    memoryBytes: uint64(req.memoryBytes, 'memory_bytes'),
    gpu: req.gpu,
    jobJson: req.jobJson,
    applicationType: req.applicationType,
    interactivePort: req.interactivePort,
  };
}

export function streamLogsSpec(req: StreamLogsRequest, signal: AbortSignal): StreamLogsSpec {
  const offsets: LogPosition[] = [];
  for (const o of req.offsets) {
    const stream = streamName(o.stream);
    if (stream === null) throw new InvalidArgumentError('Every log offset needs a stream');
    offsets.push({ rank: o.rank, stream, offset: uint64(o.offset, 'offset') });
  }
  return { jobId: requireJobId(req.jobId), offsets, follow: req.follow, signal };
}

export function logChunk(chunk: LogChunkOut): LogChunk {
  return {
    rank: chunk.rank,
    stream: chunk.stream === 'stdout' ? LogStream.LOG_STREAM_STDOUT : LogStream.LOG_STREAM_STDERR,
    offset: toUint64(chunk.offset),
    data: chunk.data,
  };
}

export function jobEvent(event: JournalEvent): JobEvent {
  return {
    seq: toUint64(event.seq),
    eventStreamId: event.eventStreamId,
    jobId: event.jobId,
    timestamp: toUint64(event.timestamp),
    state: stateToProto(event.state),
    status: event.status ?? '',
    newExpiresAt: event.newExpiresAt === null ? '0' : toUint64(event.newExpiresAt),
    expectedState: stateToProto(event.expectedState),
    providerGeneratedId: event.providerGeneratedId ?? '',
  };
}
