import {
  type ComputeBackend,
  type CreateJobResult,
  type CreateJobSpec,
  type JobStateName,
  type LogChunkOut,
  type LogStreamName,
  type PluginContext,
  type ProductDescription,
  type StreamLogsSpec,
  type Utilization,
} from './backend.js';
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from './errors.js';
import { streamFileLogs } from './file-logs.js';
import {
  requireActive,
  type LifecycleJob,
  type LifecycleJobStore,
  type NewLifecycleJob,
  type StopReason,
} from './job-store.js';
import { type ProductBase } from './products.js';
import { StartedContext } from './started-context.js';

const GIB = 1024 ** 3;
/** Job ids become names of files, containers and networks. */
const SAFE_JOB_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The status texts every plugin that runs jobs itself gives the same events. */
export const LIFECYCLE_STATUS = {
  running: 'Your job is now running!',
  suspended: 'The job has been suspended',
  cancelled: 'Your job has been cancelled!',
  expired: 'Your job has reached its time limit',
} as const;

/** How one rank ended: its exit code and, where the runtime tells, whether memory ran out. */
export interface RankExit {
  code: number;
  oomKilled?: boolean;
}

/** "The job exited with code 0", per rank when the ranks disagree, saying when memory ran out. */
export function exitStatus(exits: RankExit[]): string {
  const describe = (e: RankExit) =>
    e.oomKilled === true ? `${e.code} (killed: it ran out of memory)` : describeCode(e.code);
  const first = exits[0];
  if (first === undefined) return 'The job exited';
  if (exits.every((e) => describe(e) === describe(first))) {
    const ranks = exits.length > 1 ? ` on all ${exits.length} ranks` : '';
    return `The job exited with code ${describe(first)}${ranks}`;
  }
  const perRank = exits.map((e, rank) => `${describe(e)} on rank ${rank}`).join(', ');
  return `The job exited with code ${perRank}`;
}

/** Shells and container runtimes report death by signal N as 128 + N. */
function describeCode(code: number): string {
  return code > 128 && code < 160 ? `${code} (signal ${code - 128})` : String(code);
}

/** How a job ended, as reported. */
export interface Outcome {
  state: JobStateName;
  status: string;
}

/** How a job the plugin stopped is reported (null: it was not stopped). Cancelling is no failure. */
export function stoppedOutcome(reason: StopReason | null): Outcome | null {
  if (reason === 'EXPIRED') return { state: 'EXPIRED', status: LIFECYCLE_STATUS.expired };
  if (reason === 'CANCELLED') return { state: 'SUCCESS', status: LIFECYCLE_STATUS.cancelled };
  return null;
}

/** The machine a plugin's jobs run on, for `utilization`. */
export interface Capacity {
  cpu: number;
  memoryBytes: number;
  /** Ranks running there, where the runtime counts them; else the plugin's running jobs. */
  running?: number;
}

/**
 * What plugins that start, stop and time jobs themselves (processes, containers, VMs) do alike,
 * each in one place: the deadline they keep (extend), suspend and unsuspend around the plugin's
 * own pause, verify, utilization, the ranks' output files, re-reporting a phase after a restart,
 * and reporting a start and an end. A plugin adds how its ranks start, pause, stop and end.
 */
export abstract class LifecycleBackend<J extends LifecycleJob> implements ComputeBackend {
  abstract readonly name: string;
  protected abstract readonly store: LifecycleJobStore<J>;
  protected readonly started: StartedContext;

  constructor(backend: string) {
    this.started = new StartedContext(backend);
  }

  abstract describe(): ProductDescription[];
  abstract start(ctx: PluginContext): Promise<void>;
  abstract stop(): Promise<void>;
  abstract create(spec: CreateJobSpec): Promise<CreateJobResult>;
  abstract terminate(jobId: string): Promise<void>;
  /** Pauses the job's ranks (SIGSTOP, a container's pause, a VM's stop). */
  protected abstract pauseRanks(job: J): Promise<void>;
  /** Lets the job's ranks run again. */
  protected abstract resumeRanks(job: J): Promise<void>;
  /** The file a rank's stdout or stderr is appended to. */
  protected abstract logFile(job: J, rank: number, stream: LogStreamName): string;
  /** The machine's size, and what runs on it where the runtime tells. */
  protected abstract capacity(): Promise<Capacity>;

  /**
   * The job to record for `spec`, or null when it is recorded already (a repeated create). Its
   * resources are the request's, else its product's; 0 means no limit. Refuses a job that
   * cannot run here: a job id unusable as a name, no command, no replica.
   */
  protected recordable(
    spec: CreateJobSpec,
    products: readonly ProductBase[],
  ): NewLifecycleJob | null {
    if (this.store.get(spec.jobId)) return null;
    if (!SAFE_JOB_ID.test(spec.jobId)) {
      throw new InvalidArgumentError(`Job id ${JSON.stringify(spec.jobId)} is not usable here`);
    }
    if (spec.argv.length === 0) throw new InvalidArgumentError('The job has no command to run');
    if (spec.replicas < 1) throw new InvalidArgumentError('A job needs at least one replica');
    const product = products.find((p) => p.id === spec.productId);
    return {
      jobId: spec.jobId,
      productCategory: spec.productCategory,
      replicas: spec.replicas,
      cpu: spec.cpu || (product?.cpu ?? 0),
      memoryBytes: spec.memoryBytes || Math.round((product?.memoryInGigs ?? 0) * GIB),
      timeAllocationMs: spec.timeAllocationMs,
    };
  }

  async extend(jobId: string, extendByMs: number): Promise<number | null> {
    const job = this.active(jobId, 'extended');
    if (job.deadline === null) return null;
    const deadline = job.deadline + extendByMs;
    this.store.setDeadline(jobId, deadline);
    return deadline;
  }

  async suspend(jobId: string): Promise<void> {
    const job = this.active(jobId, 'suspended');
    if (job.phase === 'SUSPENDED') return;
    if (job.phase !== 'RUNNING') throw new FailedPreconditionError(`Job ${jobId} is not running`);
    await this.pauseRanks(job);
    this.store.setPhase(jobId, 'SUSPENDED');
    this.started.emit({ jobId, state: 'SUSPENDED', status: LIFECYCLE_STATUS.suspended });
  }

  async unsuspend(jobId: string): Promise<void> {
    const job = this.active(jobId, 'resumed');
    if (job.phase !== 'SUSPENDED') return;
    await this.resumeRanks(job);
    this.store.setPhase(jobId, 'RUNNING');
    this.started.emit({ jobId, state: 'RUNNING', status: LIFECYCLE_STATUS.running });
  }

  async verify(jobIds: string[]): Promise<string[]> {
    const known = this.store.known(jobIds);
    return jobIds.filter((id) => !known.has(id));
  }

  /** The machine's capacity against what this plugin's running jobs hold of it. */
  async utilization(productCategory: string): Promise<Utilization> {
    const capacity = await this.capacity();
    const jobs = this.store
      .unfinished()
      .filter((j) => productCategory === '' || j.productCategory === productCategory);
    const running = jobs.filter((j) => j.phase === 'RUNNING');
    return {
      capacityCpu: capacity.cpu,
      capacityMemoryBytes: capacity.memoryBytes,
      usedCpu: running.reduce((sum, j) => sum + j.cpu * j.replicas, 0),
      usedMemoryBytes: running.reduce((sum, j) => sum + j.memoryBytes * j.replicas, 0),
      running: capacity.running ?? running.length,
      pending: jobs.filter((j) => j.phase === 'STARTING').length,
    };
  }

  /** The ranks' output files, by byte offset, followed until the job has ended. */
  streamLogs(request: StreamLogsSpec): AsyncIterable<LogChunkOut> {
    const job = this.known(request.jobId);
    const streams: LogStreamName[] = ['stdout', 'stderr'];
    const files = Array.from({ length: job.replicas }, (_, rank) =>
      streams.map((stream) => ({ rank, stream, path: this.logFile(job, rank, stream) })),
    ).flat();
    return streamFileLogs({
      files: () => files,
      isDone: () => this.store.get(job.jobId)?.phase === 'ENDED',
      offsets: request.offsets,
      follow: request.follow,
      signal: request.signal,
    });
  }

  /**
   * Records that every rank runs, then reports it: a plugin killed in between reports it at
   * restart (`reassertPhase`). The deadline counts from now.
   */
  protected reportRunning(job: J): void {
    const now = Date.now();
    const deadline = job.timeAllocationMs === null ? null : now + job.timeAllocationMs;
    this.store.markRunning(job.jobId, now, deadline);
    this.started.emit({
      jobId: job.jobId,
      state: 'RUNNING',
      status: LIFECYCLE_STATUS.running,
      occurredAt: now,
    });
    this.started.logger.info({ jobId: job.jobId }, 'job started');
  }

  /**
   * Reports how a job ended, then records it. In this order: if the plugin dies in between, the
   * restart reports it again, and the orchestrator ignores a repeated final state, while a lost
   * one would leave the job running forever. `endedAt` is when its last rank ended, if known.
   */
  protected reportEnd(jobId: string, outcome: Outcome, endedAt?: number): void {
    this.started.emit({ jobId, ...outcome, occurredAt: endedAt });
    this.store.markEnded(jobId);
    this.started.logger.info({ jobId, ...outcome }, 'job ended');
  }

  /**
   * A phase is recorded before its event is emitted, so a plugin killed in between never reported
   * it: at start it is emitted again. Each event applies only where the orchestrator still has
   * the state the job left (a compare-and-set), so repeating one that did arrive changes nothing.
   */
  protected reassertPhase(job: J): void {
    const { jobId } = job;
    if (job.phase === 'RUNNING') {
      const { running } = LIFECYCLE_STATUS;
      const occurredAt = job.startedAt ?? undefined;
      this.started.emit({
        jobId,
        state: 'RUNNING',
        status: running,
        expectedState: 'IN_QUEUE',
        occurredAt,
      });
      this.started.emit({ jobId, state: 'RUNNING', status: running, expectedState: 'SUSPENDED' });
    } else if (job.phase === 'SUSPENDED') {
      const status = LIFECYCLE_STATUS.suspended;
      this.started.emit({ jobId, state: 'SUSPENDED', status, expectedState: 'RUNNING' });
    }
  }

  /** The job, for a session into its rank `rank`: it must be running and have that rank. */
  protected runningRank(jobId: string, rank: number): J {
    const job = this.known(jobId);
    if (job.phase !== 'RUNNING')
      throw new FailedPreconditionError(`Job ${jobId} is not running (${job.phase})`);
    if (!Number.isInteger(rank) || rank < 0 || rank >= job.replicas)
      throw new InvalidArgumentError(`Job ${jobId} has no rank ${rank}`);
    return job;
  }

  protected known(jobId: string): J {
    const job = this.store.get(jobId);
    if (!job) throw new NotFoundError(`Unknown job: ${jobId}`);
    return job;
  }

  /** A job that may still change: not ended and not being stopped. */
  protected active(jobId: string, verb: string): J {
    return requireActive(this.known(jobId), jobId, verb);
  }
}
