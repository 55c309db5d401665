import { mkdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import {
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  StartedContext,
  UnsupportedError,
  freePort,
  describeProducts,
  streamFileLogs,
  type ComputeBackend,
  type CreateJobResult,
  type CreateJobSpec,
  type LogChunkOut,
  type OpenedSession,
  type PluginContext,
  type SessionKind,
  type ProductDescription,
  type ProductFeatures,
  type StreamLogsSpec,
  type Utilization,
  requireActive,
  type StopReason,
} from '@ucloud/provider-sdk';
import { type ProductConfig } from './config.js';
import { JobStore, type JobRecord } from './job-store.js';
import {
  launchRank,
  rankFiles,
  readRankExit,
  resolveCommand,
  type LaunchedRank,
} from './launcher.js';
import { isRunning, liveGroupMembers, signalGroup } from './proc.js';
import { outcomeOf, STATUS } from './outcome.js';

/**
 * What the plugin offers each product; a product's `features` turn these off. Web applications
 * listen on the port given to each rank in UCLOUD_PORT; suspension is SIGSTOP/SIGCONT of the
 * process groups.
 */
export const NATIVE_FEATURES: ProductFeatures = {
  timeExtension: true,
  suspension: true,
  utilization: true,
  web: true,
};

export interface NativeBackendOptions {
  /** Absolute; holds native.db and jobs/<jobId>/. */
  dataDir: string;
  providerId: string;
  products: ProductConfig[];
  /** How long a stopping job gets between SIGTERM and SIGKILL. */
  terminateGraceMs: number;
  /** Host name in web-session links. */
  publicHost: string;
  /** How often processes are checked; they are not necessarily our children, so we poll. */
  pollIntervalMs?: number;
}

/** Variables of the plugin's own environment a job inherits; the rest could leak secrets. */
const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'TZ', 'TMPDIR', 'USER', 'LOGNAME'];
const FALLBACK_PATH = '/usr/local/bin:/usr/bin:/bin';
const GIB = 1024 ** 3;
/** Job ids become directory names. */
const SAFE_JOB_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Runs jobs as local processes, one per rank, each detached in its own process group with its
 * output in files, so jobs keep running while the plugin restarts. Everything that touches a job
 * is synchronous (spawning, /proc, SQLite), so the monitor and the calls never interleave.
 */
export class NativeBackend implements ComputeBackend {
  readonly name = 'native';
  private readonly started = new StartedContext('native');
  private readonly store: JobStore;
  private readonly pollIntervalMs: number;
  private monitor: NodeJS.Timeout | null = null;

  constructor(private readonly options: NativeBackendOptions) {
    this.store = new JobStore(join(options.dataDir, 'native.db'));
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
  }

  describe(): ProductDescription[] {
    const { products, providerId } = this.options;
    return describeProducts(products, 'NATIVE', { providerId, offered: NATIVE_FEATURES });
  }

  async start(ctx: PluginContext): Promise<void> {
    this.started.set(ctx);
    for (const job of this.store.unfinished()) this.reattach(job);
    this.monitor = setInterval(() => this.check(), this.pollIntervalMs);
  }

  async stop(): Promise<void> {
    if (this.monitor) clearInterval(this.monitor);
    this.monitor = null;
    this.store.close();
  }

  async create(spec: CreateJobSpec): Promise<CreateJobResult> {
    if (this.store.get(spec.jobId)) return {};
    if (!SAFE_JOB_ID.test(spec.jobId)) {
      throw new InvalidArgumentError(`Job id ${JSON.stringify(spec.jobId)} is not usable here`);
    }
    const command = spec.argv[0];
    if (command === undefined) throw new InvalidArgumentError('The job has no command to run');
    if (spec.replicas < 1) throw new InvalidArgumentError('A job needs at least one replica');

    const product = this.options.products.find((p) => p.id === spec.productId);
    this.store.insert({
      jobId: spec.jobId,
      productCategory: spec.productCategory,
      replicas: spec.replicas,
      cpu: spec.cpu || product?.cpu || 1,
      memoryBytes: spec.memoryBytes || Math.round((product?.memoryInGigs ?? 0) * GIB),
      timeAllocationMs: spec.timeAllocationMs,
    });
    // From here on the job is recorded: any failure to start it is reported as its FAILURE.
    const launched: LaunchedRank[] = [];
    try {
      const jobDir = this.jobDir(spec.jobId);
      mkdirSync(jobDir, { recursive: true });
      const env = (rank: number, port: number | null) => jobEnvironment(spec, rank, port);
      if (resolveCommand(command, env(0, null).PATH ?? '', jobDir) === null) {
        throw new Error(`command not found: ${command}`);
      }
      // Ranks share the machine's network, so each interactive rank gets a port of its own
      // instead of the one the application declares.
      const interactive = spec.applicationType === 'WEB' || spec.applicationType === 'VNC';
      for (let rank = 0; rank < spec.replicas; rank++) {
        const port = interactive ? await freePort() : null;
        const r = launchRank({
          jobDir,
          rank,
          argv: spec.argv,
          env: env(rank, port),
          // Report the end at once rather than at the next monitor pass.
          onExit: () =>
            setImmediate(() => {
              if (this.monitor) this.check();
            }),
        });
        launched.push(r);
        this.store.addRank(spec.jobId, r, port);
      }
    } catch (err) {
      for (const r of launched) signalGroup(r.pid, 'SIGKILL');
      const why = err instanceof Error ? err.message : String(err);
      this.started.fail(spec.jobId, `Could not start the job: ${why}`, this.store);
      return {};
    }
    const now = Date.now();
    // Recorded before it is reported: a plugin killed in between reports it at restart (reattach).
    this.store.markRunning(
      spec.jobId,
      now,
      spec.timeAllocationMs === null ? null : now + spec.timeAllocationMs,
    );
    this.started.emit({
      jobId: spec.jobId,
      state: 'RUNNING',
      status: STATUS.running,
      occurredAt: now,
    });
    this.started.logger.info(
      { jobId: spec.jobId, pids: launched.map((r) => r.pid) },
      'job started',
    );
    return {};
  }

  async terminate(jobId: string): Promise<void> {
    const job = this.known(jobId);
    if (job.phase !== 'ENDED') this.requestStop(job, 'CANCELLED');
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
    for (const r of job.ranks) signalGroup(r.pid, 'SIGSTOP');
    this.store.setPhase(jobId, 'SUSPENDED');
    this.started.emit({ jobId, state: 'SUSPENDED', status: STATUS.suspended });
  }

  async unsuspend(jobId: string): Promise<void> {
    const job = this.active(jobId, 'resumed');
    if (job.phase === 'RUNNING') return;
    for (const r of job.ranks) signalGroup(r.pid, 'SIGCONT');
    this.store.setPhase(jobId, 'RUNNING');
    this.started.emit({ jobId, state: 'RUNNING', status: STATUS.running });
  }

  /** Web sessions link straight to the rank's port; shells and VNC are not offered natively. */
  async openSession(jobId: string, rank: number, kind: SessionKind): Promise<OpenedSession> {
    if (kind !== 'WEB') throw new UnsupportedError(`The native backend offers no ${kind} sessions`);
    const job = this.known(jobId);
    if (job.phase !== 'RUNNING')
      throw new FailedPreconditionError(`Job ${jobId} is not running (${job.phase})`);
    const target = job.ranks.find((r) => r.rank === rank);
    if (!target) throw new InvalidArgumentError(`Job ${jobId} has no rank ${rank}`);
    if (target.port === null)
      throw new FailedPreconditionError(`Job ${jobId} does not run a web application`);
    return { type: 'web', redirectClientTo: `http://${this.options.publicHost}:${target.port}/` };
  }

  async verify(jobIds: string[]): Promise<string[]> {
    const known = this.store.known(jobIds);
    return jobIds.filter((id) => !known.has(id));
  }

  async utilization(productCategory: string): Promise<Utilization> {
    const jobs = this.store
      .unfinished()
      .filter((j) => productCategory === '' || j.productCategory === productCategory);
    const running = jobs.filter((j) => j.phase === 'RUNNING');
    return {
      capacityCpu: cpus().length,
      capacityMemoryBytes: totalmem(),
      usedCpu: running.reduce((sum, j) => sum + j.cpu * j.replicas, 0),
      usedMemoryBytes: running.reduce((sum, j) => sum + j.memoryBytes * j.replicas, 0),
      running: running.length,
      pending: jobs.filter((j) => j.phase === 'STARTING').length,
    };
  }

  streamLogs(request: StreamLogsSpec): AsyncIterable<LogChunkOut> {
    const job = this.known(request.jobId);
    const jobDir = this.jobDir(job.jobId);
    const files = Array.from({ length: job.replicas }, (_, rank) => {
      const f = rankFiles(jobDir, rank);
      return [
        { rank, stream: 'stdout' as const, path: f.stdout },
        { rank, stream: 'stderr' as const, path: f.stderr },
      ];
    }).flat();
    return streamFileLogs({
      files: () => files,
      isDone: () => this.store.get(job.jobId)?.phase === 'ENDED',
      offsets: request.offsets,
      follow: request.follow,
      signal: request.signal,
    });
  }

  /** What start() does for a job that had not ended when the plugin last stopped. */
  private reattach(job: JobRecord): void {
    if (job.phase === 'STARTING') {
      for (const r of job.ranks) if (isRunning(r.pid, r.startTime)) signalGroup(r.pid, 'SIGKILL');
      this.started.fail(job.jobId, STATUS.interruptedStart, this.store);
      return;
    }
    this.reassertPhase(job);
    if (job.ranks.some((r) => isRunning(r.pid, r.startTime))) {
      this.started.logger.info({ jobId: job.jobId }, 're-attached to running job');
    } else {
      this.finish(job, false);
    }
  }

  /**
   * A phase is recorded before its event is emitted, so a plugin killed in between never reported
   * it. Each event applies only where the orchestrator still has the state the job left (a
   * compare-and-set), so repeating one that did arrive changes nothing.
   */
  private reassertPhase(job: JobRecord): void {
    if (job.phase === 'RUNNING') {
      const startedAt = job.startedAt ?? undefined;
      this.started.emit({
        jobId: job.jobId,
        state: 'RUNNING',
        status: STATUS.running,
        expectedState: 'IN_QUEUE',
        occurredAt: startedAt,
      });
      this.started.emit({
        jobId: job.jobId,
        state: 'RUNNING',
        status: STATUS.running,
        expectedState: 'SUSPENDED',
      });
    } else if (job.phase === 'SUSPENDED') {
      this.started.emit({
        jobId: job.jobId,
        state: 'SUSPENDED',
        status: STATUS.suspended,
        expectedState: 'RUNNING',
      });
    }
  }

  /** One monitor pass: ended jobs are reported, deadlines enforced, grace periods cut short. */
  private check(): void {
    try {
      const now = Date.now();
      for (const job of this.store.unfinished()) {
        if (job.phase === 'STARTING') continue;
        const alive = job.ranks.filter((r) => isRunning(r.pid, r.startTime));
        if (alive.length === 0) {
          this.finish(job, true);
        } else if (job.stopReason === null) {
          if (job.deadline !== null && now >= job.deadline) this.requestStop(job, 'EXPIRED');
        } else if (now >= (job.stopRequestedAt ?? now) + this.options.terminateGraceMs) {
          for (const r of alive) signalGroup(r.pid, 'SIGKILL');
        }
      }
    } catch (err) {
      this.started.logger.error({ err }, 'job monitor pass failed');
    }
  }

  /** SIGTERM now, SIGKILL after the grace period (see check); the end is reported when all exit. */
  private requestStop(job: JobRecord, reason: StopReason): void {
    if (job.stopReason !== null) return;
    this.store.markStopping(job.jobId, reason, Date.now());
    for (const r of job.ranks) {
      signalGroup(r.pid, 'SIGTERM');
      // A suspended job must run again to act on SIGTERM.
      signalGroup(r.pid, 'SIGCONT');
    }
    this.started.logger.info({ jobId: job.jobId, reason }, 'stopping job');
  }

  /** Reports the end of a job whose ranks have all exited. */
  private finish(job: JobRecord, observedLive: boolean): void {
    const jobDir = this.jobDir(job.jobId);
    const exits = job.ranks.map((r) => readRankExit(jobDir, r.rank));
    const outcome = outcomeOf({
      stopReason: job.stopReason,
      exitCodes: exits.map((e) => e?.code ?? null),
      observedLive,
    });
    // The job ended when its last rank did, which may be long before a restarted plugin looks.
    const recorded = exits.filter((e) => e !== null);
    const endedAt =
      recorded.length === exits.length ? Math.max(...recorded.map((e) => e.endedAt)) : undefined;
    // Report first: if we crash before recording the end, the restart reports it again, and a
    // repeated final state is ignored by the orchestrator, while a lost one would not be.
    this.started.emit({ jobId: job.jobId, ...outcome, occurredAt: endedAt });
    this.store.markEnded(job.jobId);
    if (observedLive) {
      // Whatever the command left behind in its group goes with it. Only done right after the
      // group's leader was seen to exit, while its id cannot have been reused yet.
      for (const r of job.ranks) {
        if (liveGroupMembers(r.pid).length > 0) signalGroup(r.pid, 'SIGKILL');
      }
    }
    this.started.logger.info({ jobId: job.jobId, ...outcome }, 'job ended');
  }

  private known(jobId: string): JobRecord {
    const job = this.store.get(jobId);
    if (!job) throw new NotFoundError(`Unknown job: ${jobId}`);
    return job;
  }

  /** A job that may still change: not ended and not being stopped. */
  private active(jobId: string, verb: string): JobRecord {
    return requireActive(this.known(jobId), jobId, verb);
  }

  private jobDir(jobId: string): string {
    return join(this.options.dataDir, 'jobs', jobId);
  }
}

function jobEnvironment(
  spec: CreateJobSpec,
  rank: number,
  port: number | null,
): Record<string, string> {
  const env: Record<string, string> = { PATH: FALLBACK_PATH };
  for (const name of INHERITED_ENV) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return {
    ...env,
    ...spec.environment,
    UCLOUD_JOB_ID: spec.jobId,
    UCLOUD_RANK: String(rank),
    UCLOUD_NUMBER_OF_NODES: String(spec.replicas),
    ...(port === null ? {} : { UCLOUD_PORT: String(port) }),
  };
}
