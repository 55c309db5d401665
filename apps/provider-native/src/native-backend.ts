import { mkdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import {
  connectToRank,
  FailedPreconditionError,
  LifecycleBackend,
  UnsupportedError,
  freePort,
  describeProducts,
  type Capacity,
  type CreateJobResult,
  type CreateJobSpec,
  type LogStreamName,
  type OpenedSession,
  type PluginContext,
  type SessionKind,
  type SessionStream,
  type SessionTarget,
  type ProductDescription,
  type ProductFeatures,
  type StopReason,
} from '@ucloud/provider-sdk';
import { ptySession } from '@ucloud/provider-sdk/pty';
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
  terminal: true,
};

export interface NativeBackendOptions {
  /** Absolute; holds native.db and jobs/<jobId>/. */
  dataDir: string;
  providerId: string;
  products: ProductConfig[];
  /** How long a stopping job gets between SIGTERM and SIGKILL. */
  terminateGraceMs: number;
  /** How often processes are checked; they are not necessarily our children, so we poll. */
  pollIntervalMs?: number;
}

/** Variables of the plugin's own environment a job inherits; the rest could leak secrets. */
const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'TZ', 'TMPDIR', 'USER', 'LOGNAME'];
const FALLBACK_PATH = '/usr/local/bin:/usr/bin:/bin';

/**
 * Runs jobs as local processes, one per rank, each detached in its own process group with its
 * output in files, so jobs keep running while the plugin restarts. Everything that touches a job
 * is synchronous (spawning, /proc, SQLite), so the monitor and the calls never interleave.
 */
export class NativeBackend extends LifecycleBackend<JobRecord> {
  readonly name = 'native';
  protected readonly store: JobStore;
  private readonly pollIntervalMs: number;
  private monitor: NodeJS.Timeout | null = null;

  constructor(private readonly options: NativeBackendOptions) {
    super('native');
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
    const job = this.recordable(spec, this.options.products);
    if (job === null) return {};
    const command = spec.argv[0] ?? '';
    this.store.insert({ ...job, environment: spec.environment });
    // From here on the job is recorded: any failure to start it is reported as its FAILURE.
    const launched: LaunchedRank[] = [];
    try {
      const jobDir = this.jobDir(spec.jobId);
      mkdirSync(jobDir, { recursive: true });
      const env = (rank: number, port: number | null) =>
        jobEnvironment({ ...spec, environment: spec.environment }, rank, port);
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
    this.reportRunning(this.known(spec.jobId));
    return {};
  }

  async terminate(jobId: string): Promise<void> {
    const job = this.known(jobId);
    if (job.phase !== 'ENDED') this.requestStop(job, 'CANCELLED');
  }

  protected async pauseRanks(job: JobRecord): Promise<void> {
    for (const r of job.ranks) signalGroup(r.pid, 'SIGSTOP');
  }

  protected async resumeRanks(job: JobRecord): Promise<void> {
    for (const r of job.ranks) signalGroup(r.pid, 'SIGCONT');
  }

  /**
   * Web sessions and shells are served through the gateway (`connectSession`), which makes the
   * link or identifier: a rank's port is never handed out.
   */
  async openSession(jobId: string, rank: number, kind: SessionKind): Promise<OpenedSession> {
    const job = this.runningRank(jobId, rank);
    if (kind === 'SHELL') return { type: 'shell', sessionIdentifier: '' };
    if (kind !== 'WEB') throw new UnsupportedError(`The native backend offers no ${kind} sessions`);
    webPort(job, rank);
    return { type: 'web', redirectClientTo: '' };
  }

  /**
   * A web session's connection to the rank's port (one per connection the gateway makes), or a
   * shell on a terminal in the rank's directory and environment.
   */
  async connectSession(target: SessionTarget): Promise<SessionStream> {
    const job = this.runningRank(target.jobId, target.rank);
    if (target.kind === 'WEB') {
      return connectToRank(
        { port: webPort(job, target.rank), host: '127.0.0.1' },
        `Rank ${target.rank} of job ${job.jobId} answers no web requests (yet)`,
      );
    }
    if (target.kind !== 'SHELL')
      throw new UnsupportedError(`The native backend serves no ${target.kind} sessions`);
    const port = job.ranks.find((r) => r.rank === target.rank)?.port ?? null;
    return ptySession({
      file: '/bin/sh',
      args: [],
      cwd: this.jobDir(job.jobId),
      env: { ...jobEnvironment(job, target.rank, port), TERM: 'xterm-256color' },
      size: target.size,
    });
  }

  protected async capacity(): Promise<Capacity> {
    return { cpu: cpus().length, memoryBytes: totalmem() };
  }

  protected logFile(job: JobRecord, rank: number, stream: LogStreamName): string {
    return rankFiles(this.jobDir(job.jobId), rank)[stream];
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
    this.reportEnd(job.jobId, outcome, endedAt);
    if (observedLive) {
      // Whatever the command left behind in its group goes with it. Only done right after the
      // group's leader was seen to exit, while its id cannot have been reused yet.
      for (const r of job.ranks) {
        if (liveGroupMembers(r.pid).length > 0) signalGroup(r.pid, 'SIGKILL');
      }
    }
  }

  private jobDir(jobId: string): string {
    return join(this.options.dataDir, 'jobs', jobId);
  }
}

/** A rank's environment: a few of the plugin's own variables, the job's, then UCloud's. */
function jobEnvironment(
  job: Pick<JobRecord, 'jobId' | 'replicas' | 'environment'>,
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
    ...job.environment,
    UCLOUD_JOB_ID: job.jobId,
    UCLOUD_RANK: String(rank),
    UCLOUD_NUMBER_OF_NODES: String(job.replicas),
    ...(port === null ? {} : { UCLOUD_PORT: String(port) }),
  };
}

/** The port a rank's web application listens on; FAILED_PRECONDITION when it runs none. */
function webPort(job: JobRecord, rank: number): number {
  const port = job.ranks.find((r) => r.rank === rank)?.port ?? null;
  if (port === null)
    throw new FailedPreconditionError(`Job ${job.jobId} does not run a web application`);
  return port;
}
