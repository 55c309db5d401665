import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  StartedContext,
  describeProducts,
  productFeatures,
  streamFileLogs,
  UnsupportedError,
  type ComputeBackend,
  type CreateJobResult,
  type CreateJobSpec,
  type LogChunkOut,
  type LogFile,
  type OpenedSession,
  type PluginContext,
  type ProductDescription,
  type ProductFeatures,
  type SessionKind,
  type SessionStream,
  type SessionTarget,
  type StreamLogsSpec,
  type Utilization,
} from '@ucloud/provider-sdk';
import {
  BATCH_SCRIPT,
  batchScript,
  jobMarker,
  jobName,
  rankEnvironment,
  rankLogFile,
} from './batch-script.js';
import { type ProductConfig } from './config.js';
import { type SlurmJob } from './job-listing.js';
import { JobStore, type JobRecord } from './job-store.js';
import { rankNode } from './rank-node.js';
import { SlurmCommandError, type SlurmCommands } from './slurm-cli.js';
import { SubmissionQueue } from './submission-queue.js';
import {
  endedAt,
  everRan,
  outcomeOf,
  phaseOf,
  startedAt,
  STATUS,
  type ActiveState,
} from './slurm-states.js';
import { utilizationOf } from './utilization.js';

/**
 * What the plugin offers each product; a product's `features` say otherwise. Suspension is
 * `scontrol suspend/resume`, which a site must allow; time extension `scontrol update TimeLimit`;
 * terminals `srun --overlap --pty`. Web applications are not offered yet.
 */
export const SLURM_FEATURES: ProductFeatures = {
  timeExtension: true,
  suspension: false,
  utilization: true,
  terminal: true,
};

export interface SlurmBackendOptions {
  /** Absolute; holds slurm.db. */
  dataDir: string;
  /** Absolute; holds <jobId>/ for each job, on a file system the compute nodes share. */
  jobsDir: string;
  providerId: string;
  products: ProductConfig[];
  /** How often Slurm is asked about the jobs (besides right after each change we cause). */
  pollIntervalMs: number;
  slurm: SlurmCommands;
  /** How many sbatch calls may run at once; SUBMISSIONS_AT_ONCE unless given. */
  submissionsAtOnce?: number;
}

/**
 * On the test cluster (2 CPUs), 100 sbatch calls took 410 ms one at a time, 260 ms 8 at a time
 * and 310 ms 64 at a time: concurrent calls overlap their round trips to slurmctld, until they
 * crowd the CPUs.
 */
export const SUBMISSIONS_AT_ONCE = 8;

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
/** Job ids become directory and Slurm job names. */
const SAFE_JOB_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** A job sbatch has answered for. */
type SubmittedJob = JobRecord & { slurmId: number };

/**
 * Runs jobs as Slurm batch jobs. Slurm owns the jobs; the plugin keeps only the link between
 * job ids and Slurm ids (SQLite), polls squeue and reports what changed. The poll is the only
 * place that reports a running job's state, so calls (terminate, suspend, …) ask Slurm and then
 * wake the poll instead of reporting themselves: no stale listing can undo their effect.
 */
export class SlurmBackend implements ComputeBackend {
  readonly name = 'slurm';
  private readonly store: JobStore;
  private readonly slurm: SlurmCommands;
  private readonly started = new StartedContext('Slurm');
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  /** Polls asked for so far; one asked during a pass gets another pass. */
  private pollsAsked = 0;
  /** A poll after submissions is queued (see pollAfterSubmissions). */
  private pollQueued = false;
  private stopped = false;
  private slurmReachable = true;
  /** Submissions in flight by job id, so that no job is ever submitted twice at once. */
  private readonly submissions = new Map<string, Promise<void>>();
  private readonly sbatch: SubmissionQueue;
  private readonly unknownStates = new Set<string>();

  constructor(private readonly options: SlurmBackendOptions) {
    this.store = new JobStore(join(options.dataDir, 'slurm.db'));
    this.slurm = options.slurm;
    this.sbatch = new SubmissionQueue(options.submissionsAtOnce ?? SUBMISSIONS_AT_ONCE);
  }

  describe(): ProductDescription[] {
    const { products, providerId } = this.options;
    return describeProducts(products, 'NATIVE', { providerId, offered: SLURM_FEATURES });
  }

  /** Reconciles with Slurm's view once (if Slurm answers), then keeps polling. */
  async start(ctx: PluginContext): Promise<void> {
    this.started.set(ctx);
    const unfinished = this.store.unfinished().length;
    ctx.logger.info({ instance: this.store.instanceId, unfinished }, 're-attaching to jobs');
    await this.poll();
    this.timer = setInterval(() => void this.poll(), this.options.pollIntervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.polling;
    await Promise.allSettled(this.submissions.values());
    this.slurm.close();
    this.store.close();
  }

  async create(spec: CreateJobSpec): Promise<CreateJobResult> {
    const existing = this.store.get(spec.jobId);
    if (existing) {
      // A retried create: the first attempt may have stopped before or after reaching Slurm.
      if (existing.slurmId === null && !existing.ended) {
        await this.submit(existing, await this.slurm.ownJobs());
      }
      return this.created(spec.jobId);
    }
    const product = this.validate(spec);
    this.store.insert({
      jobId: spec.jobId,
      productId: spec.productId,
      productCategory: spec.productCategory,
      replicas: spec.replicas,
      timeAllocationMs: spec.timeAllocationMs,
      environment: spec.environment,
    });
    // From here on the job is recorded: a failure to start it is reported as its FAILURE.
    try {
      const jobDir = this.jobDir(spec.jobId);
      mkdirSync(jobDir, { recursive: true });
      const cpu = spec.cpu || product.cpu || 1;
      const memoryBytes = spec.memoryBytes || (product.memoryInGigs ?? 0) * GIB;
      const script = batchScript({
        jobId: spec.jobId,
        marker: jobMarker(this.store.instanceId, spec.jobId),
        jobDir,
        product,
        replicas: spec.replicas,
        cpu,
        memoryMb: Math.ceil(memoryBytes / MIB),
        gpu: spec.gpu,
        timeAllocationMs: spec.timeAllocationMs,
        argv: spec.argv,
        environment: spec.environment,
      });
      writeFileSync(join(jobDir, BATCH_SCRIPT), script, { mode: 0o700 });
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      this.started.fail(spec.jobId, `Could not prepare the job: ${why}`, this.store);
      return {};
    }
    await this.submit(this.known(spec.jobId), null);
    return this.created(spec.jobId);
  }

  async terminate(jobId: string): Promise<void> {
    const job = this.known(jobId);
    if (job.ended) return;
    this.store.markCancelRequested(jobId);
    if (job.slurmId === null) {
      // Not in Slurm as far as we know: the submission path finds and cancels it, or ends it.
      await this.submit(job, await this.slurm.ownJobs());
    } else {
      await this.slurm.cancel(job.slurmId);
    }
    void this.poll();
  }

  async extend(jobId: string, extendByMs: number): Promise<number | null> {
    const { job, slurmId, product } = this.inSlurm(jobId, 'extended');
    if (!product || !productFeatures(product, SLURM_FEATURES).timeExtension) {
      throw new UnsupportedError(`Jobs of product ${job.productId} cannot be extended here`);
    }
    // Slurm's time limits are whole minutes.
    const minutes = Math.ceil(extendByMs / 60_000);
    await this.refusedAs(FailedPreconditionError, () =>
      this.slurm.extendTimeLimit(slurmId, minutes),
    );
    if (job.timeAllocationMs !== null) this.store.addTimeAllocation(jobId, extendByMs);
    this.started.logger.info({ jobId, slurmId, minutes }, 'time limit extended');
    const seen = (await this.slurm.ownJobs()).find((j) => j.id === slurmId);
    if (!seen || seen.timeLimitMinutes === null || phaseOf(seen.state).kind !== 'active') {
      return null;
    }
    // A pending job's start time is only Slurm's estimate; its deadline is not set yet.
    if (seen.state === 'PENDING' || seen.startTime === null) return null;
    return seen.startTime + seen.timeLimitMinutes * 60_000;
  }

  async suspend(jobId: string): Promise<void> {
    const { slurmId } = this.suspendable(jobId, 'suspended');
    await this.refusedAs(FailedPreconditionError, () => this.slurm.suspend(slurmId));
    void this.poll();
  }

  async unsuspend(jobId: string): Promise<void> {
    const { slurmId } = this.suspendable(jobId, 'resumed');
    await this.refusedAs(FailedPreconditionError, () => this.slurm.resume(slurmId));
    void this.poll();
  }

  async verify(jobIds: string[]): Promise<string[]> {
    const known = this.store.known(jobIds);
    return jobIds.filter((id) => !known.has(id));
  }

  async utilization(productCategory: string): Promise<Utilization> {
    const products = this.options.products.filter(
      (p) => productCategory === '' || p.category === productCategory,
    );
    if (products.length === 0) throw new NotFoundError(`No product in category ${productCategory}`);
    const partitions = new Set<string>();
    for (const p of products) {
      const partition = p.partition ?? (await this.slurm.defaultPartition());
      if (partition !== null) partitions.add(partition);
    }
    const [nodes, jobs] = await Promise.all([this.slurm.nodes(), this.slurm.jobs()]);
    return utilizationOf(nodes, jobs, partitions);
  }

  streamLogs(request: StreamLogsSpec): AsyncIterable<LogChunkOut> {
    const job = this.known(request.jobId);
    const jobDir = this.jobDir(job.jobId);
    const files: LogFile[] = [];
    for (let rank = 0; rank < job.replicas; rank++) {
      for (const stream of ['stdout', 'stderr'] as const) {
        files.push({ rank, stream, path: rankLogFile(jobDir, rank, stream) });
      }
    }
    return streamFileLogs({
      files: () => files,
      // Slurm reports a job ended only after its steps, and so their output, are done.
      isDone: () => this.store.get(job.jobId)?.ended ?? true,
      offsets: request.offsets,
      follow: request.follow,
      signal: request.signal,
    });
  }

  /** Shells are served through the gateway (`connectSession`), which makes the identifier. */
  async openSession(jobId: string, rank: number, kind: SessionKind): Promise<OpenedSession> {
    if (kind !== 'SHELL') {
      throw new UnsupportedError(`The Slurm backend offers no ${kind} sessions`);
    }
    this.shellable(jobId, rank);
    return { type: 'shell', sessionIdentifier: '' };
  }

  /** A shell as a step of the job: on the rank's node, in the job's directory and environment. */
  async connectSession(target: SessionTarget): Promise<SessionStream> {
    if (target.kind !== 'SHELL') {
      throw new UnsupportedError(`The Slurm backend serves no ${target.kind} sessions`);
    }
    const { job, slurmId, product } = this.shellable(target.jobId, target.rank);
    // Asked afresh: the job may have ended since the last poll, and only the listing has its nodes.
    const seen = (await this.slurm.ownJobs()).find((j) => j.id === slurmId && this.isOurs(j, job));
    if (seen?.state !== 'RUNNING' || seen.nodes === '') {
      throw new FailedPreconditionError(`Job ${job.jobId} is not running in Slurm`);
    }
    return this.slurm.shell({
      slurmId,
      node: rankNode(await this.slurm.hostnames(seen.nodes), target.rank, product.placement),
      cwd: this.jobDir(job.jobId),
      env: { ...rankEnvironment(job, target.rank), TERM: 'xterm-256color' },
      size: target.size,
    });
  }

  /**
   * Asks Slurm about every unfinished job and reports what changed. One pass at a time; a call
   * made while a pass runs gets another pass right after it, so a change we caused is seen soon.
   */
  private poll(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.pollsAsked++;
    if (this.polling) return this.polling;
    this.polling = (async () => {
      let answered: number;
      do {
        answered = this.pollsAsked;
        try {
          await this.pollOnce();
        } catch (err) {
          this.started.logger.error({ err }, 'poll of Slurm jobs failed');
        }
      } while (this.pollsAsked !== answered && !this.stopped);
    })().finally(() => {
      this.polling = null;
    });
    return this.polling;
  }

  private async pollOnce(): Promise<void> {
    if (this.store.unfinished().length === 0) return;
    const listedAt = Date.now();
    let listing: SlurmJob[];
    try {
      listing = await this.slurm.ownJobs();
    } catch (err) {
      if (this.slurmReachable)
        this.started.logger.warn({ err }, 'cannot list Slurm jobs; will keep trying');
      this.slurmReachable = false;
      return;
    }
    if (!this.slurmReachable) this.started.logger.info('Slurm answers again');
    this.slurmReachable = true;

    const byId = new Map(listing.map((j) => [j.id, j]));
    const vanished: SubmittedJob[] = [];
    // Read afresh: calls may have changed the jobs while squeue ran.
    for (const job of this.store.unfinished()) {
      if (job.slurmId === null) {
        this.submit(job, listing).catch((err: unknown) =>
          this.started.logger.warn({ err, jobId: job.jobId }, 'submission failed; will retry'),
        );
      } else {
        const seen = byId.get(job.slurmId);
        if (seen && this.isOurs(seen, job)) this.observe(job, seen);
        // One submitted while squeue ran (or in the same millisecond) may be missing from it.
        else if (job.submittedAt !== null && job.submittedAt < listedAt)
          vanished.push({ ...job, slurmId: job.slurmId });
      }
    }
    if (vanished.length > 0) await this.settleVanished(vanished);
  }

  /** Reports a change of a job Slurm still lists. */
  private observe(job: JobRecord, seen: SlurmJob): void {
    const phase = phaseOf(seen.state);
    switch (phase.kind) {
      case 'active':
        if (phase.state !== job.reportedState) this.report(job, phase.state, seen);
        return;
      case 'ended':
        this.finish(job, seen);
        return;
      case 'ending':
        return;
      case 'unknown':
        if (!this.unknownStates.has(seen.state)) {
          this.unknownStates.add(seen.state);
          this.started.logger.warn(
            { state: seen.state },
            'unknown Slurm job state; leaving jobs as they are',
          );
        }
    }
  }

  private report(job: JobRecord, state: ActiveState, seen: SlurmJob): void {
    const status =
      state === 'RUNNING'
        ? STATUS.running
        : state === 'SUSPENDED'
          ? STATUS.suspended(seen.id)
          : STATUS.requeued(seen.id);
    // A start is stamped with Slurm's StartTime, however long after it the poll sees it. squeue
    // gives no time for a suspension or a resume (22.05 -O has no SuspendTime), so those are
    // stamped when seen: a resume stamped with StartTime would count the suspension as running.
    const occurredAt =
      state === 'RUNNING' && job.reportedState === 'IN_QUEUE' ? startedAt(seen) : null;
    // The Slurm id goes along: the orchestrator has not seen it if Slurm was down at create.
    this.started.emit({
      jobId: job.jobId,
      state,
      status,
      providerGeneratedId: String(seen.id),
      occurredAt: occurredAt ?? undefined,
    });
    this.store.setReportedState(job.jobId, state);
  }

  /**
   * Reports the end of a job, first its start if it ran and ended between two polls. Both at the
   * times Slurm gives, so a job that ended while the plugin was down (or between two polls) is
   * not charged for the time until the plugin looked.
   */
  private finish(job: JobRecord, seen: SlurmJob): void {
    if (job.reportedState === 'IN_QUEUE' && everRan(seen)) {
      this.started.emit({
        jobId: job.jobId,
        state: 'RUNNING',
        status: STATUS.running,
        providerGeneratedId: String(seen.id),
        occurredAt: startedAt(seen) ?? undefined,
      });
    }
    const outcome = outcomeOf({
      slurm: seen,
      cancelRequested: job.cancelRequested,
      hasTimeAllocation: job.timeAllocationMs !== null,
    });
    // Report first: after a crash here the restart reports it again, and the orchestrator
    // ignores a repeated final state, while a lost one would leave the job running forever.
    this.started.emit({
      jobId: job.jobId,
      ...outcome,
      providerGeneratedId: String(seen.id),
      occurredAt: endedAt(seen) ?? undefined,
    });
    this.store.markEnded(job.jobId);
    this.started.logger.info({ jobId: job.jobId, slurmId: seen.id, ...outcome }, 'job ended');
  }

  /**
   * Jobs slurmctld no longer lists: it forgot them (MinJobAge passed while we were away) or the
   * cluster lost them. Accounting, where there is any, tells how they ended; otherwise they are
   * reported as lost rather than left running.
   */
  private async settleVanished(jobs: SubmittedJob[]): Promise<void> {
    let accounted: SlurmJob[];
    try {
      accounted = await this.slurm.accountedJobs(jobs.map((j) => j.slurmId));
    } catch (err) {
      this.started.logger.warn(
        { err },
        'cannot ask accounting about vanished jobs; will try again',
      );
      return;
    }
    for (const job of jobs) {
      const current = this.store.get(job.jobId);
      if (!current || current.ended) continue;
      const record = accounted
        .filter((a) => a.id === job.slurmId && a.name === jobName(job.jobId))
        .at(-1);
      if (record && phaseOf(record.state).kind === 'ended') {
        this.finish(current, record);
      } else {
        this.started.fail(job.jobId, STATUS.vanished(job.slurmId), this.store);
      }
    }
  }

  /** Gets a recorded job into Slurm once, whichever of create, retry, poll or terminate asks. */
  private submit(job: JobRecord, listing: SlurmJob[] | null): Promise<void> {
    let submission = this.submissions.get(job.jobId);
    if (!submission) {
      submission = this.submitNow(job.jobId, listing).finally(() =>
        this.submissions.delete(job.jobId),
      );
      this.submissions.set(job.jobId, submission);
    }
    return submission;
  }

  /**
   * `listing` is given when an earlier attempt may have reached Slurm (a restart, a retry): the
   * job is then looked up by its marker before anything is submitted again.
   */
  private async submitNow(jobId: string, listing: SlurmJob[] | null): Promise<void> {
    const job = this.store.get(jobId);
    if (!job || job.ended || job.slurmId !== null) return;
    const marker = jobMarker(this.store.instanceId, jobId);
    let slurmId = listing?.find((j) => j.comment === marker && j.name === jobName(jobId))?.id;
    if (slurmId === undefined) {
      const script = join(this.jobDir(jobId), BATCH_SCRIPT);
      if (job.cancelRequested) {
        this.started.emit({ jobId, state: 'SUCCESS', status: STATUS.cancelled });
        this.store.markEnded(jobId);
        return;
      }
      if (!existsSync(script)) {
        this.started.fail(
          jobId,
          'The plugin stopped before the job was ready to submit',
          this.store,
        );
        return;
      }
      try {
        slurmId = await this.sbatch.run(() => this.slurm.submit(script));
      } catch (err) {
        if (!(err instanceof SlurmCommandError)) throw err; // unreachable: retried later
        this.started.fail(jobId, `Slurm refused the job: ${err.detail}`, this.store);
        return;
      }
      this.started.logger.info({ jobId, slurmId }, 'job submitted');
    } else {
      this.started.logger.info({ jobId, slurmId }, 'found the job in Slurm');
    }
    this.store.setSlurmId(jobId, slurmId, Date.now());
    if (this.store.get(jobId)?.cancelRequested) await this.slurm.cancel(slurmId);
    this.pollAfterSubmissions();
  }

  /**
   * A poll once no submission waits for sbatch, so that a job's start is seen soon: a burst of
   * submissions shares one, where a poll after each kept squeue competing with sbatch for
   * slurmctld and the CPUs. During a long burst the regular polls report.
   */
  private pollAfterSubmissions(): void {
    if (this.sbatch.pending > 0 || this.pollQueued) return;
    this.pollQueued = true;
    // After the other answers of the batch have been recorded.
    setImmediate(() => {
      this.pollQueued = false;
      void this.poll();
    });
  }

  private created(jobId: string): CreateJobResult {
    const slurmId = this.store.get(jobId)?.slurmId ?? null;
    return slurmId === null ? {} : { providerGeneratedId: String(slurmId) };
  }

  private validate(spec: CreateJobSpec): ProductConfig {
    if (!SAFE_JOB_ID.test(spec.jobId)) {
      throw new InvalidArgumentError(`Job id ${JSON.stringify(spec.jobId)} is not usable here`);
    }
    if (spec.argv.length === 0) throw new InvalidArgumentError('The job has no command to run');
    if (spec.replicas < 1) throw new InvalidArgumentError('A job needs at least one replica');
    if (spec.backend !== 'NATIVE' && spec.backend !== 'UNSPECIFIED') {
      throw new InvalidArgumentError(`Slurm products run NATIVE tools, not ${spec.backend}`);
    }
    const product = this.productOf(spec.productId);
    if (!product) throw new InvalidArgumentError(`Unknown product: ${spec.productId}`);
    return product;
  }

  /** Whether a listed Slurm job is really this job, not another one that got its id later. */
  private isOurs(seen: SlurmJob, job: JobRecord): boolean {
    const marker = jobMarker(this.store.instanceId, job.jobId);
    // Listings without comments (accounting, some scontrol versions) are matched by name alone.
    return seen.name === jobName(job.jobId) && (seen.comment === '' || seen.comment === marker);
  }

  /** Runs a Slurm command whose refusal means the caller asked for something not possible now. */
  private async refusedAs(
    ErrorType: new (message: string) => Error,
    command: () => Promise<void>,
  ): Promise<void> {
    try {
      await command();
    } catch (err) {
      if (err instanceof SlurmCommandError) throw new ErrorType(`Slurm refused: ${err.detail}`);
      throw err;
    }
  }

  private known(jobId: string): JobRecord {
    const job = this.store.get(jobId);
    if (!job) throw new NotFoundError(`Unknown job: ${jobId}`);
    return job;
  }

  /** A job that has not ended and has a Slurm id. */
  private inSlurm(jobId: string, verb: string) {
    const job = this.known(jobId);
    if (job.ended) {
      throw new FailedPreconditionError(`Job ${jobId} has already ended and cannot be ${verb}`);
    }
    if (job.slurmId === null) {
      throw new FailedPreconditionError(`Job ${jobId} is not in Slurm yet and cannot be ${verb}`);
    }
    return { job, slurmId: job.slurmId, product: this.productOf(job.productId) };
  }

  private suspendable(jobId: string, verb: string) {
    const found = this.inSlurm(jobId, verb);
    if (!found.product || !productFeatures(found.product, SLURM_FEATURES).suspension) {
      throw new UnsupportedError(`Jobs of product ${found.job.productId} cannot be ${verb} here`);
    }
    return found;
  }

  /** A running job with rank `rank`, of a product with terminals. */
  private shellable(jobId: string, rank: number) {
    const job = this.known(jobId);
    if (job.ended || job.slurmId === null || job.reportedState !== 'RUNNING') {
      const state = job.ended ? 'ended' : job.reportedState;
      throw new FailedPreconditionError(`Job ${jobId} is not running (${state})`);
    }
    if (!Number.isInteger(rank) || rank < 0 || rank >= job.replicas) {
      throw new InvalidArgumentError(`Job ${jobId} has no rank ${rank}`);
    }
    const product = this.productOf(job.productId);
    if (!product || !productFeatures(product, SLURM_FEATURES).terminal) {
      throw new UnsupportedError(`Jobs of product ${job.productId} offer no shells here`);
    }
    return { job, slurmId: job.slurmId, product };
  }

  private productOf(productId: string): ProductConfig | undefined {
    return this.options.products.find((p) => p.id === productId);
  }

  private jobDir(jobId: string): string {
    return join(this.options.jobsDir, jobId);
  }
}
