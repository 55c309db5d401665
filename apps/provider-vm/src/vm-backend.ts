import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { availableParallelism, totalmem } from 'node:os';
import { join } from 'node:path';
import {
  connectToRank,
  describeProducts,
  FailedPreconditionError,
  LifecycleBackend,
  NotFoundError,
  UnsupportedError,
} from '@ucloud/provider-sdk';
import type {
  Capacity,
  CreateJobResult,
  CreateJobSpec,
  LogStreamName,
  Outcome,
  PluginContext,
  OpenedSession,
  ProductDescription,
  SessionKind,
  SessionStream,
  SessionTarget,
  StopReason,
} from '@ucloud/provider-sdk';
import { VM_FEATURES, type ProductConfig, type VmSettings } from './config.js';
import { resolveImage, type VmImage } from './images.js';
import { jobInitramfs, writeJobInitrd, type JobParameters } from './job-initramfs.js';
import { JobStore, type JobRecord } from './job-store.js';
import { guestExitCode, outcomeOf, qemuEndReason, type RankEnd } from './outcome.js';
import {
  accelDefault,
  buildQemuArgs,
  createOverlay,
  GUEST_APPEND,
  QemuError,
  startQemu,
  type Accel,
} from './qemu.js';
import { QmpConnections } from './qmp-connections.js';
import { setVncPassword } from './qmp.js';
import { logFileOf, rankFiles, runningQemu, type RankFiles } from './rank-files.js';
import { connectSerialShell } from './serial-shell.js';
import { vmShape } from './shape.js';

export interface VmBackendOptions extends VmSettings {
  /** Absolute; holds vm.db. */
  dataDir: string;
  providerId: string;
  products: ProductConfig[];
}

/** How a VM that ran is found: its pid while it runs, else how it ended. */
type RankState = { files: RankFiles; pid: number } | { files: RankFiles; end: RankEnd };

/** VNC's authentication reads 8 characters: 6 random bytes in base64url are 8. */
const vncPassword = () => randomBytes(6).toString('base64url');

/**
 * Runs each rank of a job as a QEMU VM in the job's directory: daemonized, so VMs outlive the
 * plugin, and driven over QMP. A guest's console is the rank's stdout; its exit status arrives on
 * a second serial port. A poll of the pid files, and QMP connections closing, decide when a job
 * has ended.
 */
export class VmBackend extends LifecycleBackend<JobRecord> {
  readonly name = 'vm';
  protected readonly store: JobStore;
  private readonly qmp: QmpConnections;
  private accel: Accel = 'tcg';
  private monitor: NodeJS.Timeout | null = null;
  private pass: Promise<void> | null = null;
  /** Jobs whose VMs this process is starting. */
  private readonly launching = new Set<string>();
  /** Jobs being stopped: the timer that quits their VMs once the grace period is over. */
  private readonly stopping = new Map<string, NodeJS.Timeout>();
  /** `jobId/rank` of the shells open, or being hung up. */
  private readonly shells = new Set<string>();

  constructor(private readonly options: VmBackendOptions) {
    super('VM');
    this.store = new JobStore(join(options.dataDir, 'vm.db'));
    // A VM's QMP connection closing is usually its QEMU exiting: look now, not at the next poll.
    this.qmp = new QmpConnections(() => {
      if (this.monitor !== null) void this.check();
    });
  }

  describe(): ProductDescription[] {
    const { products, providerId } = this.options;
    return describeProducts(products, 'VIRTUAL_MACHINE', { providerId, offered: VM_FEATURES });
  }

  async start(ctx: PluginContext): Promise<void> {
    this.started.set(ctx);
    this.accel = await accelDefault(this.options.accel);
    for (const job of this.store.unfinished()) this.reattach(job);
    // Jobs whose VMs ended while the plugin was down are reported before it serves.
    await this.check();
    this.monitor = setInterval(() => void this.check(), this.options.pollIntervalMs);
  }

  /**
   * Takes a job up again after a restart: an interrupted start goes on; a started job's phase is
   * told again, and a stop that may not have been carried out is (QMP is re-attached by `check`).
   */
  private reattach(job: JobRecord): void {
    if (job.phase === 'STARTING') {
      this.launch(job);
      return;
    }
    this.reassertPhase(job);
    if (job.stopReason !== null) this.requestStop(job, null);
  }

  async stop(): Promise<void> {
    if (this.monitor) clearInterval(this.monitor);
    this.monitor = null;
    for (const timer of this.stopping.values()) clearTimeout(timer);
    this.stopping.clear();
    await this.pass;
    await this.qmp.closeAll();
    this.store.close();
  }

  async create(spec: CreateJobSpec): Promise<CreateJobResult> {
    const job = this.recordable(spec, this.options.products);
    if (job === null) return {};
    // Refused here, in the answer, rather than as a failed start.
    resolveImage(this.options.imageDir, spec.image);
    vmShape(job);
    jobInitramfs(this.parameters(spec, 0));
    const recorded = this.store.insert({
      ...job,
      image: spec.image,
      argv: spec.argv,
      environment: spec.environment,
      vncPasswords: Array.from({ length: job.replicas }, vncPassword),
    });
    // Booting takes seconds: the job is recorded, its start goes on after the answer.
    this.launch(recorded);
    return {};
  }

  async terminate(jobId: string): Promise<void> {
    const job = this.known(jobId);
    if (job.phase !== 'ENDED') this.requestStop(job, job.stopReason ?? 'CANCELLED');
  }

  /**
   * VNC into a rank's VM, or a shell, both served by the gateway (no URL here); VNC's password is
   * the VM's.
   */
  async openSession(jobId: string, rank: number, kind: SessionKind): Promise<OpenedSession> {
    this.runningRank(jobId, rank);
    if (kind === 'SHELL') {
      this.shellFree(jobId, rank);
      return { type: 'shell', sessionIdentifier: '' };
    }
    if (kind !== 'VNC') throw new UnsupportedError(`The VM backend offers no ${kind} sessions`);
    return { type: 'vnc', url: '', password: this.vncTarget(jobId, rank).password };
  }

  /**
   * The RFB stream of a rank's VM (its VNC server's unix socket), or a shell in its guest: one at
   * a time per rank, since the guest has one shell port.
   */
  async connectSession(target: SessionTarget): Promise<SessionStream> {
    const { jobId, rank, kind } = target;
    if (kind !== 'VNC' && kind !== 'SHELL')
      throw new UnsupportedError(`The VM backend serves no ${kind} sessions`);
    this.runningRank(jobId, rank);
    if (kind === 'VNC') {
      return connectToRank(
        { path: this.vncTarget(jobId, rank).socketPath },
        `The VNC server of rank ${rank} of job ${jobId} does not answer`,
      );
    }
    this.shellFree(jobId, rank);
    const key = `${jobId}/${rank}`;
    this.shells.add(key);
    try {
      const files = this.files(jobId, rank);
      const session = await connectSerialShell(
        { shell: files.shellSocket, control: files.shellControlSocket },
        target.size,
        `The VM of rank ${rank} of job ${jobId} serves no shell`,
      );
      session.stream.once('close', () => this.shells.delete(key));
      return session;
    } catch (err) {
      this.shells.delete(key);
      throw err;
    }
  }

  /** FailedPrecondition while a shell into the rank is open (or still being hung up). */
  private shellFree(jobId: string, rank: number): void {
    if (this.shells.has(`${jobId}/${rank}`)) {
      throw new FailedPreconditionError(
        `A shell into rank ${rank} of job ${jobId} is open already: a VM serves one at a time`,
      );
    }
  }

  /**
   * Where the VNC server of a rank's VM listens (a unix socket) and its password, for the
   * gateway's VNC sessions. NotFoundError for an unknown job or rank; FailedPreconditionError
   * when the VM is not running.
   */
  vncTarget(jobId: string, rank: number): { socketPath: string; password: string } {
    const job = this.known(jobId);
    const password = Number.isInteger(rank) ? job.vncPasswords[rank] : undefined;
    if (password === undefined) throw new NotFoundError(`Job ${jobId} has no rank ${rank}`);
    const files = this.files(jobId, rank);
    const running = job.phase === 'RUNNING' || job.phase === 'SUSPENDED';
    if (!running || runningQemu(files.pidFile) === null) {
      throw new FailedPreconditionError(`The VM of rank ${rank} of job ${jobId} is not running`);
    }
    return { socketPath: files.vncSocket, password };
  }

  protected async pauseRanks(job: JobRecord): Promise<void> {
    await this.onRunningRanks(job, (files) => this.qmp.execute(files.qmpSocket, 'stop'));
  }

  protected async resumeRanks(job: JobRecord): Promise<void> {
    await this.onRunningRanks(job, (files) => this.qmp.execute(files.qmpSocket, 'cont'));
  }

  /** This machine: its CPUs and memory, which the running VMs' products hold parts of. */
  protected async capacity(): Promise<Capacity> {
    return { cpu: availableParallelism(), memoryBytes: totalmem() };
  }

  protected logFile(job: JobRecord, rank: number, stream: LogStreamName): string {
    return logFileOf(this.files(job.jobId, rank), stream);
  }

  /** Starts the job's VMs in the background; a start that fails ends the job FAILURE. */
  private launch(job: JobRecord): void {
    if (this.launching.has(job.jobId)) return;
    this.launching.add(job.jobId);
    void this.startRanks(job)
      .catch((err: unknown) => this.startFailed(job, err))
      .finally(() => this.launching.delete(job.jobId));
  }

  private async startFailed(job: JobRecord, err: unknown): Promise<void> {
    const { logger } = this.started;
    logger.warn({ jobId: job.jobId, err }, 'the VMs could not be started');
    const status = `The VM could not start: ${err instanceof Error ? err.message : String(err)}`;
    await this.abortStart(job, { state: 'FAILURE', status }).catch((cleanup: unknown) =>
      logger.error({ jobId: job.jobId, err: cleanup }, 'could not end a job that did not start'),
    );
  }

  /** Idempotent, for a start resumed after a restart: running VMs are kept. */
  private async startRanks(job: JobRecord): Promise<void> {
    const image = resolveImage(this.options.imageDir, job.image);
    mkdirSync(this.jobDir(job.jobId), { recursive: true });
    for (let rank = 0; rank < job.replicas; rank++) {
      const stopReason = this.store.get(job.jobId)?.stopReason ?? null;
      if (stopReason !== null) return this.abortStart(job, outcomeOf(stopReason, []));
      await this.startRank(job, image, rank);
    }
    const stopReason = this.store.get(job.jobId)?.stopReason ?? null;
    if (stopReason !== null) return this.abortStart(job, outcomeOf(stopReason, []));
    this.reportRunning(job);
  }

  private async startRank(job: JobRecord, image: VmImage, rank: number): Promise<void> {
    const files = this.files(job.jobId, rank);
    // Created first, so that offsets exist from 0.
    for (const file of [files.stdout, files.stderr, files.exitLog]) {
      await writeFile(file, '', { flag: 'a' });
    }
    const ranToItsEnd = guestExitCode(readFileSync(files.exitLog, 'utf8')) !== null;
    if (runningQemu(files.pidFile) !== null || ranToItsEnd) return;
    await writeJobInitrd(image.initrd, this.parameters(job, rank), files.initrd);
    if (image.disk !== undefined && !existsSync(files.overlay)) {
      await createOverlay(image.disk, files.overlay, this.options.qemuImg);
    }
    const argv = buildQemuArgs({
      qemuBinary: this.options.qemuBinary,
      accel: this.accel,
      ...vmShape(job),
      kernel: image.kernel,
      initrd: files.initrd,
      ...(image.disk !== undefined && { disk: files.overlay }),
      append: GUEST_APPEND,
      serialLogPath: files.stdout,
      exitLogPath: files.exitLog,
      qmpSocketPath: files.qmpSocket,
      vncSocketPath: files.vncSocket,
      shellSockets: { shell: files.shellSocket, control: files.shellControlSocket },
      pidFile: files.pidFile,
      name: `ucloud-${job.jobId}-${rank}`,
    });
    try {
      await startQemu(argv);
    } catch (err) {
      // QEMU's own words, where the user reads a rank's errors.
      if (err instanceof QemuError) appendFileSync(files.stderr, `${err.output}\n`);
      throw err;
    }
    const password = job.vncPasswords[rank];
    if (password === undefined)
      throw new RangeError(`job ${job.jobId} has no VNC password ${rank}`);
    await setVncPassword(await this.qmp.get(files.qmpSocket), password);
  }

  private parameters(
    job: Pick<JobRecord, 'jobId' | 'replicas' | 'environment' | 'argv'>,
    rank: number,
  ): JobParameters {
    const { jobId, replicas, environment, argv } = job;
    return { jobId, rank, numberOfNodes: replicas, environment, argv };
  }

  /** Ends a job whose start failed or was cancelled: its VMs are quit, their files removed. */
  private async abortStart(job: JobRecord, outcome: Outcome): Promise<void> {
    await this.forceStop(job);
    this.cleanUp(job);
    this.reportEnd(job.jobId, outcome);
  }

  /** A monitor pass; passes never overlap. */
  private check(): Promise<void> {
    if (this.pass !== null) return this.pass;
    this.pass = this.checkJobs()
      .catch((err: unknown) => this.started.logger.warn({ err }, 'VM monitor pass failed'))
      .finally(() => (this.pass = null));
    return this.pass;
  }

  /**
   * Reports jobs whose VMs have all ended, stops the rest of a job one of whose VMs failed, and
   * stops jobs at their deadline.
   */
  private async checkJobs(): Promise<void> {
    const now = Date.now();
    for (const job of this.store.unfinished()) {
      if (job.phase === 'STARTING') continue;
      const ranks = Array.from({ length: job.replicas }, (_, rank) => this.rankState(job, rank));
      const ends = ranks.flatMap((r) => ('end' in r ? [r.end] : []));
      if (ends.length === ranks.length) {
        this.finish(job, ends);
        continue;
      }
      // After a restart: QMP brings the SHUTDOWN event saying why a VM ended.
      for (const r of ranks) {
        if ('pid' in r) this.qmp.get(r.files.qmpSocket).catch(() => undefined);
      }
      if (ends.some((e) => 'failure' in e)) this.requestStop(job, null);
      else if (job.stopReason === null && job.deadline !== null && now >= job.deadline) {
        this.requestStop(job, 'EXPIRED');
      }
    }
  }

  private rankState(job: JobRecord, rank: number): RankState {
    const files = this.files(job.jobId, rank);
    const pid = runningQemu(files.pidFile);
    if (pid !== null) return { files, pid };
    const exitLog = existsSync(files.exitLog) ? readFileSync(files.exitLog, 'utf8') : '';
    const code = guestExitCode(exitLog);
    if (code !== null) return { files, end: { code, at: statSync(files.exitLog).mtimeMs } };
    return { files, end: { failure: qemuEndReason(this.qmp.shutdownReason(files.qmpSocket)) } };
  }

  /** Reports a job whose VMs have all ended, then removes what they were booted from. */
  private finish(job: JobRecord, ends: RankEnd[]): void {
    const times = ends.map((e) => ('at' in e ? e.at : null));
    const endedAt = times.every((t) => t !== null) ? Math.max(...times) : undefined;
    this.reportEnd(job.jobId, outcomeOf(job.stopReason, ends), endedAt);
    this.cleanUp(job);
  }

  /**
   * Stops the job's VMs: an ACPI power-off request, then QMP quit once the grace period (counted
   * from the stop's request, across restarts) is over. Their end is reported by the monitor. A
   * null reason (one of the VMs failed) records none: the job then ends FAILURE.
   */
  private requestStop(job: JobRecord, reason: StopReason | null): void {
    const requestedAt = job.stopRequestedAt ?? Date.now();
    if (reason !== null && job.stopReason === null) {
      this.store.markStopping(job.jobId, reason, requestedAt);
    }
    // A starting job: the start sees the request and ends the job.
    if (job.phase === 'STARTING' || this.stopping.has(job.jobId)) return;
    this.started.logger.info({ jobId: job.jobId, reason }, 'stopping job');
    const wait = Math.max(0, requestedAt + this.options.terminateGraceMs - Date.now());
    this.stopping.set(
      job.jobId,
      setTimeout(() => {
        this.forceStop(job)
          .catch((err: unknown) =>
            this.started.logger.warn({ jobId: job.jobId, err }, 'could not quit the VMs'),
          )
          .finally(() => {
            this.stopping.delete(job.jobId);
            void this.check();
          });
      }, wait),
    );
    // A paused guest must run to hear the request; busybox's init ignores it, hence the quit.
    void this.onRunningRanks(job, async (files) => {
      if (job.phase === 'SUSPENDED') await this.qmp.execute(files.qmpSocket, 'cont');
      await this.qmp.execute(files.qmpSocket, 'system_powerdown');
    }).catch((err: unknown) =>
      this.started.logger.warn({ jobId: job.jobId, err }, 'could not ask the VMs to power off'),
    );
  }

  /** Quits the job's running VMs over QMP; one that does not answer is killed. */
  private async forceStop(job: JobRecord): Promise<void> {
    await this.onRunningRanks(job, async (files, pid) => {
      try {
        await this.qmp.execute(files.qmpSocket, 'quit');
      } catch {
        if (runningQemu(files.pidFile) === pid) process.kill(pid, 'SIGKILL');
      }
    });
  }

  private async onRunningRanks(
    job: JobRecord,
    act: (files: RankFiles, pid: number) => Promise<unknown>,
  ): Promise<void> {
    const ranks = Array.from({ length: job.replicas }, (_, rank) => this.files(job.jobId, rank));
    await Promise.all(
      ranks.flatMap((files) => {
        const pid = runningQemu(files.pidFile);
        return pid === null ? [] : [act(files, pid)];
      }),
    );
  }

  /**
   * Removes what an ended job's VMs booted from (initrds hold the job's environment, overlays
   * grow) and their sockets; the consoles and exit logs stay, for the job's logs.
   */
  private cleanUp(job: JobRecord): void {
    const timer = this.stopping.get(job.jobId);
    if (timer) clearTimeout(timer);
    this.stopping.delete(job.jobId);
    for (let rank = 0; rank < job.replicas; rank++) {
      const files = this.files(job.jobId, rank);
      const { initrd, overlay, qmpSocket, vncSocket, shellSocket, shellControlSocket } = files;
      for (const file of [initrd, overlay, qmpSocket, vncSocket, shellSocket, shellControlSocket]) {
        rmSync(file, { force: true });
      }
      this.qmp.forget(files.qmpSocket);
    }
  }

  private files(jobId: string, rank: number): RankFiles {
    return rankFiles(this.jobDir(jobId), rank);
  }

  private jobDir(jobId: string): string {
    return join(this.options.jobsDir, jobId);
  }
}
