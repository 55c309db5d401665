import { isFinalState, JobState } from '@ucloud/contracts';
import { type Duplex } from 'node:stream';
import { type Logger } from 'pino';

/** The spec's JobState values and which of them are final: one definition, in the contracts. */
export const JOB_STATES = JobState.options;
export type JobStateName = JobState;
export { isFinalState };

/** Something that happened to a job, as a backend reports it. */
export interface JobEventInput {
  jobId: string;
  /** Absent when the event changes no state (status text, deadline). */
  state?: JobStateName;
  status?: string;
  /** The event applies only if the job is in this state (compare-and-set at the orchestrator). */
  expectedState?: JobStateName;
  /** The job's new deadline, Unix epoch ms. */
  newExpiresAt?: number;
  providerGeneratedId?: string;
  /**
   * When it happened (Unix epoch ms), if earlier than now: a job that ended while the plugin was
   * down is reported with its real end, so the time it ran (and is charged for) is not stretched.
   */
  occurredAt?: number;
}

/** An event as the journal stored it: numbered, stamped and tagged with the journal's stream id. */
export interface JournalEvent {
  seq: number;
  eventStreamId: string;
  jobId: string;
  timestamp: number;
  state: JobStateName | null;
  status: string | null;
  expectedState: JobStateName | null;
  newExpiresAt: number | null;
  providerGeneratedId: string | null;
}

/** What a backend gets at start: where to report events, and a logger. */
export interface PluginContext {
  /** Stores the event durably and hands it to every watcher; returns it with its sequence number. */
  emit(event: JobEventInput): JournalEvent;
  /** Stores several events in one commit (a burst, e.g. a poll's changes), in order; as `emit`. */
  emitMany(events: JobEventInput[]): JournalEvent[];
  logger: Logger;
}

/** One product the plugin serves, with the spec's ComputeSupport object for it. */
export interface ProductDescription {
  productId: string;
  category: string;
  support: Record<string, unknown>;
}

export type BackendKind = 'UNSPECIFIED' | 'NATIVE' | 'DOCKER' | 'VIRTUAL_MACHINE';

/** A CreateJob request with its wire encoding undone (numbers instead of decimal strings). */
export interface CreateJobSpec {
  jobId: string;
  productId: string;
  productCategory: string;
  replicas: number;
  backend: BackendKind;
  argv: string[];
  environment: Record<string, string>;
  image: string;
  /** Null when the job has no deadline. */
  timeAllocationMs: number | null;
  /** Resources of the product per replica. */
  cpu: number;
  memoryBytes: number;
  gpu: number;
  jobJson: string;
  applicationType: string;
  interactivePort: number;
}

export interface CreateJobResult {
  providerGeneratedId?: string;
}

export interface Utilization {
  capacityCpu: number;
  capacityMemoryBytes: number;
  usedCpu: number;
  usedMemoryBytes: number;
  running: number;
  pending: number;
}

export type LogStreamName = 'stdout' | 'stderr';

export interface LogPosition {
  rank: number;
  stream: LogStreamName;
  offset: number;
}

export interface LogChunkOut extends LogPosition {
  data: Buffer;
}

export interface StreamLogsSpec {
  jobId: string;
  /** Where to start per rank and stream; absent ones start at 0. */
  offsets: LogPosition[];
  /** Keep going until the job has ended and all output is sent. */
  follow: boolean;
  /** Aborted when the client goes away or the server shuts down. */
  signal: AbortSignal;
}

export type SessionKind = 'SHELL' | 'WEB' | 'VNC';

/**
 * What a user gets to reach a rank of their job. A VNC session with an empty `url` is served by
 * the gateway, which relays its WebSocket to the plugin's `connectSession`.
 */
export type OpenedSession =
  | { type: 'shell'; sessionIdentifier: string }
  | { type: 'web'; redirectClientTo: string }
  | { type: 'vnc'; url: string; password: string | null };

/** A terminal's size in characters. */
export interface TerminalSize {
  cols: number;
  rows: number;
}

/** Which rank a session stream goes to, and what it is. */
export interface SessionTarget {
  jobId: string;
  rank: number;
  kind: SessionKind;
  /** For shells: the terminal's size at the start. */
  size: TerminalSize | null;
}

/** A byte stream to a rank (a VNC server's socket, a shell's terminal), and its controls. */
export interface SessionStream {
  /** Bytes written go to the rank; bytes read come from it. Destroyed when the user leaves. */
  stream: Duplex;
  /** Tells a terminal its new size; absent where there is none (VNC). */
  resize?(size: TerminalSize): void;
}

/**
 * A compute plugin as a plain object. Methods throw the errors of `errors.ts` (NotFoundError, …)
 * to answer with a specific gRPC status; anything else becomes INTERNAL.
 */
export interface ComputeBackend {
  /** Stable name of the plugin within its gateway, e.g. "native". */
  readonly name: string;
  describe(): ProductDescription[] | Promise<ProductDescription[]>;
  /**
   * Called once before the server accepts calls: re-attach to the jobs the plugin was running
   * and report, through `ctx.emit`, what happened to them while it was down.
   */
  start(ctx: PluginContext): Promise<void>;
  /** Releases what start acquired (timers, databases). Running jobs are left running. */
  stop(): Promise<void>;
  /** Starts a job. Idempotent by job id. */
  create(job: CreateJobSpec): Promise<CreateJobResult>;
  /** Stops a job; its end is reported as an event. An ended job is not an error. */
  terminate(jobId: string): Promise<void>;
  /** Moves the deadline; answers the new one (epoch ms), or null when the plugin does not track it. */
  extend(jobId: string, extendByMs: number): Promise<number | null>;
  suspend(jobId: string): Promise<void>;
  unsuspend(jobId: string): Promise<void>;
  /** Of the given job ids, those the plugin has no record of. */
  verify(jobIds: string[]): Promise<string[]>;
  /** Capacity and use; `productCategory` is empty when the whole plugin is asked. */
  utilization(productCategory: string): Promise<Utilization>;
  streamLogs(request: StreamLogsSpec): AsyncIterable<LogChunkOut>;
  /** Opens a session to a rank of a running job; absent when the plugin offers none (UNIMPLEMENTED). */
  openSession?(jobId: string, rank: number, kind: SessionKind): Promise<OpenedSession>;
  /**
   * The byte stream of a session the gateway serves (ConnectSession): throws FailedPrecondition
   * when the job does not run. Absent when the plugin serves no session itself (UNIMPLEMENTED).
   */
  connectSession?(target: SessionTarget): Promise<SessionStream>;
  /** Prepares for a user or project about to use the provider; idempotent. Absent: nothing to do. */
  init?(owner: { createdBy: string; project: string | null }): Promise<void>;
}
