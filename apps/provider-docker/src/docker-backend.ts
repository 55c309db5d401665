import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import {
  connectToRank,
  FailedPreconditionError,
  InvalidArgumentError,
  LifecycleBackend,
  UnsupportedError,
  type OpenedSession,
  type SessionKind,
  type SessionStream,
  type SessionTarget,
  type TerminalSize,
  peersOf,
  type Capacity,
  type CreateJobResult,
  type CreateJobSpec,
  type LogStreamName,
  type Outcome,
  type PluginContext,
  type ProductDescription,
  type StopReason,
} from '@ucloud/provider-sdk';
import type Docker from 'dockerode';
import { type ProductConfig } from './config.js';
import { engineMessage, engineStatus } from './engine.js';
import { instanceId, JobStore, type JobRecord } from './job-store.js';
import { finishedAtOf, outcomeOf, type ContainerExit } from './outcome.js';
import { ensureImage } from './pull.js';
import { describeProducts } from './products.js';

export interface DockerBackendOptions {
  docker: Docker;
  /** Absolute; holds docker.db and the instance id. */
  dataDir: string;
  /** Absolute; per-job directories, bind-mounted as /ucloud into the job's containers. */
  jobsDir: string;
  providerId: string;
  products: ProductConfig[];
  /** How long a stopping container gets between SIGTERM and SIGKILL. */
  terminateGraceMs: number;
  /** How often the engine is asked about the containers. */
  pollIntervalMs: number;
  /** Keep the containers of ended jobs rather than remove them. */
  keepContainers: boolean;
}

/** How long a shell's first output is waited for before its terminal is sized anyway. */
const SHELL_START_MS = 2_000;
/** Where the job's directory is mounted in its containers. */
const MOUNT = '/ucloud';
/** Engine states of a container that will not run again by itself. */
const ENDED_STATES = new Set(['exited', 'dead', 'stopped']);

/** A rank's output file in the job directory (and at MOUNT in its container). */
export const rankLog = (rank: number, stream: LogStreamName) => `rank-${rank}.${stream}`;

/**
 * The container's entrypoint: the job's command (the container's Cmd) with its output appended to
 * the job directory's files, so logs have stable byte offsets across restarts of anything.
 */
export function wrappedEntrypoint(rank: number): string[] {
  return [
    '/bin/sh',
    '-c',
    `exec "$@" >>${MOUNT}/${rankLog(rank, 'stdout')} 2>>${MOUNT}/${rankLog(rank, 'stderr')}`,
    'ucloud-rank',
  ];
}

/** A container of ours as the engine lists it. */
interface Listed {
  id: string;
  jobId: string;
  rank: number;
  state: string;
}

/**
 * Runs each job as one container per rank on a Docker Engine API (Docker or Podman), labelled
 * with the job, the rank and this plugin instance. The engine keeps the containers running
 * while the plugin restarts; a poll of the labelled containers decides when a job has ended.
 */
export class DockerBackend extends LifecycleBackend<JobRecord> {
  readonly name = 'docker';
  protected readonly store: JobStore;
  private readonly docker: Docker;
  private readonly instance: string;
  private monitor: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;
  /** Jobs whose start (pull, create, start) is under way in this process. */
  private readonly launching = new Set<string>();
  /** Jobs whose containers are being stopped by this process. */
  private readonly stopping = new Set<string>();

  constructor(private readonly options: DockerBackendOptions) {
    super('Docker');
    this.docker = options.docker;
    this.store = new JobStore(join(options.dataDir, 'docker.db'));
    this.instance = instanceId(options.dataDir);
  }

  describe(): ProductDescription[] {
    return describeProducts(this.options.products, this.options.providerId);
  }

  async start(ctx: PluginContext): Promise<void> {
    this.started.set(ctx);
    for (const job of this.store.unfinished()) {
      if (job.phase === 'STARTING') {
        this.launch(job);
        continue;
      }
      this.reassertPhase(job);
      // A stop may not have reached the engine before the plugin went down.
      if (job.stopReason !== null) this.requestStop(job, null);
    }
    // Jobs that ended while the plugin was down are reported before it serves.
    await this.check();
    this.monitor = setInterval(() => void this.check(), this.options.pollIntervalMs);
  }

  async stop(): Promise<void> {
    if (this.monitor) clearInterval(this.monitor);
    this.monitor = null;
    await this.checking;
    this.store.close();
  }

  async create(spec: CreateJobSpec): Promise<CreateJobResult> {
    const job = this.recordable(spec, this.options.products);
    if (job === null) return {};
    if (spec.image === '') throw new InvalidArgumentError('The job names no container image');
    const { image, argv, environment } = spec;
    const webPort = spec.applicationType === 'WEB' ? spec.interactivePort : null;
    const peers = peersOf(spec.jobJson);
    this.store.insert({ ...job, image, argv, environment, peers, webPort });
    const recorded = this.store.get(spec.jobId);
    // Pulling may take long: the job is recorded, its start goes on after the answer.
    if (recorded) this.launch(recorded);
    return {};
  }

  async terminate(jobId: string): Promise<void> {
    const job = this.known(jobId);
    if (job.phase !== 'ENDED') this.requestStop(job, job.stopReason ?? 'CANCELLED');
  }

  protected async pauseRanks(job: JobRecord): Promise<void> {
    for (const c of await this.containersOf(job.jobId)) {
      if (c.state === 'running') await this.docker.getContainer(c.id).pause();
    }
  }

  protected async resumeRanks(job: JobRecord): Promise<void> {
    for (const c of await this.containersOf(job.jobId)) {
      if (c.state === 'paused') await this.docker.getContainer(c.id).unpause();
    }
  }

  /** The engine's machine (NCPU, MemTotal) and its running containers. */
  protected async capacity(): Promise<Capacity> {
    const info = (await this.docker.info()) as {
      NCPU?: number;
      MemTotal?: number;
      ContainersRunning?: number;
    };
    return {
      cpu: info.NCPU ?? 0,
      memoryBytes: info.MemTotal ?? 0,
      running: info.ContainersRunning,
    };
  }

  /**
   * Web sessions and shells are served through the gateway (`connectSession`), which makes the
   * link or identifier: a container's port is never published.
   */
  async openSession(jobId: string, rank: number, kind: SessionKind): Promise<OpenedSession> {
    const job = this.runningRank(jobId, rank);
    if (kind === 'SHELL') return { type: 'shell', sessionIdentifier: '' };
    if (kind !== 'WEB') throw new UnsupportedError(`The Docker backend offers no ${kind} sessions`);
    webPortOf(job);
    return { type: 'web', redirectClientTo: '' };
  }

  /**
   * A web session's connection to the application's port at the rank container's address on the
   * job's network (which the gateway's host reaches), one per connection the gateway makes; or a
   * shell: an exec of /bin/sh with a terminal in the rank's container, in the job directory.
   */
  async connectSession(target: SessionTarget): Promise<SessionStream> {
    if (target.kind !== 'SHELL' && target.kind !== 'WEB')
      throw new UnsupportedError(`The Docker backend serves no ${target.kind} sessions`);
    const job = this.runningRank(target.jobId, target.rank);
    const container = (await this.containersOf(job.jobId)).find((c) => c.rank === target.rank);
    if (container?.state !== 'running')
      throw new FailedPreconditionError(`Rank ${target.rank} of job ${job.jobId} is not running`);
    if (target.kind === 'WEB') return this.webConnection(job, container.id, target.rank);
    const exec = await this.docker.getContainer(container.id).exec({
      Cmd: ['/bin/sh'],
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: true,
      Env: ['TERM=xterm-256color'],
      WorkingDir: MOUNT,
    });
    const stream = await exec.start({ hijack: true, stdin: true, Tty: true });
    const resize = (size: TerminalSize) =>
      exec.resize({ w: size.cols, h: size.rows }).catch((err: unknown) => {
        // Podman answers a resize with 201 where Docker answers 200; both did it.
        if (engineStatus(err) !== 201)
          this.started.logger.debug({ err, ...target }, 'could not resize a shell');
      });
    // The engine sizes an exec's terminal only once its process runs, which its first output
    // shows; the user's input waits until then, so the shell starts at the size asked for.
    if (target.size) {
      await Promise.race([once(stream, 'readable'), sleep(SHELL_START_MS)]);
      await resize(target.size);
    }
    return { stream, resize: (size) => void resize(size) };
  }

  private async webConnection(
    job: JobRecord,
    containerId: string,
    rank: number,
  ): Promise<SessionStream> {
    const port = webPortOf(job);
    const info = (await this.docker.getContainer(containerId).inspect()) as {
      NetworkSettings?: { Networks?: Record<string, { IPAddress?: string }> };
    };
    const address = info.NetworkSettings?.Networks?.[this.networkName(job.jobId)]?.IPAddress;
    if (!address)
      throw new FailedPreconditionError(`Rank ${rank} of job ${job.jobId} has no address yet`);
    return connectToRank(
      { port, host: address },
      `Rank ${rank} of job ${job.jobId} answers no web requests on port ${port} (yet)`,
    );
  }

  protected logFile(job: JobRecord, rank: number, stream: LogStreamName): string {
    return join(this.jobDir(job.jobId), rankLog(rank, stream));
  }

  /** Starts `job` in the background: pull, network, containers; its end or failure is reported. */
  private launch(job: JobRecord): void {
    if (this.launching.has(job.jobId)) return;
    this.launching.add(job.jobId);
    this.startContainers(job)
      .catch((err: unknown) => {
        const why = engineMessage(err);
        this.started.logger.warn({ jobId: job.jobId, err }, 'job could not be started');
        return this.endStart(job.jobId, { state: 'FAILURE', status: why });
      })
      .catch((err: unknown) =>
        this.started.logger.error({ jobId: job.jobId, err }, 'job start failed'),
      )
      .finally(() => this.launching.delete(job.jobId));
  }

  /** Idempotent: what exists of the job's network and containers is reused. */
  private async startContainers(job: JobRecord): Promise<void> {
    const jobDir = this.jobDir(job.jobId);
    mkdirSync(jobDir, { recursive: true });
    for (let rank = 0; rank < job.replicas; rank++) {
      // Created first, so that offsets exist from 0 and the container's user may append.
      writeFileSync(join(jobDir, rankLog(rank, 'stdout')), '', { flag: 'a' });
      writeFileSync(join(jobDir, rankLog(rank, 'stderr')), '', { flag: 'a' });
    }
    await ensureImage(this.docker, job.image, (status) =>
      this.started.emit({ jobId: job.jobId, status }),
    );
    if (this.cancelledWhileStarting(job.jobId)) return;
    const network = await this.ensureNetwork(job.jobId);
    await this.connectPeers(job, network);
    for (let rank = 0; rank < job.replicas; rank++) {
      if (this.cancelledWhileStarting(job.jobId)) return;
      const { container, state } = await this.ensureContainer(job, rank, network);
      if (state === 'created') await container.start();
    }
    if (this.cancelledWhileStarting(job.jobId)) return;
    this.reportRunning(job);
  }

  /** A job terminated while it was starting ends here, its containers removed. */
  private cancelledWhileStarting(jobId: string): boolean {
    const job = this.store.get(jobId);
    if (!job || job.stopReason === null) return false;
    void this.endStart(jobId, outcomeOf(job.stopReason, []));
    return true;
  }

  private async endStart(jobId: string, outcome: Outcome): Promise<void> {
    await this.removeJob(jobId, true).catch((err: unknown) =>
      this.started.logger.warn(
        { jobId, err },
        'could not remove the containers of a job that did not start',
      ),
    );
    this.reportEnd(jobId, outcome);
  }

  private async ensureNetwork(jobId: string): Promise<string> {
    const name = this.networkName(jobId);
    try {
      await this.docker.getNetwork(name).inspect();
    } catch (err) {
      if (engineStatus(err) !== 404) throw err;
      await this.docker.createNetwork({
        Name: name,
        Driver: 'bridge',
        Labels: { 'ucloud.job': jobId, 'ucloud.instance': this.instance },
      });
    }
    return name;
  }

  /**
   * Makes each peer job reachable from this job's network by the peer's hostname: the peer's
   * rank 0 joins the network under that name. Idempotent, for a start resumed after a restart.
   */
  private async connectPeers(job: JobRecord, network: string): Promise<void> {
    if (job.peers.length === 0) return;
    const attached = await this.attachedTo(network);
    for (const peer of job.peers) {
      const target = (await this.containersOf(peer.jobId)).find((c) => c.rank === 0);
      if (target?.state !== 'running') {
        throw new Error(
          `The peer job ${peer.jobId} (${peer.hostname}) is not running on this provider`,
        );
      }
      if (attached.has(target.id)) continue;
      await this.docker.getNetwork(network).connect({
        Container: target.id,
        EndpointConfig: { Aliases: [peer.hostname] },
      });
    }
  }

  /** Ids of the containers attached to `network`. */
  private async attachedTo(network: string): Promise<Set<string>> {
    const info = (await this.docker.getNetwork(network).inspect()) as {
      Containers?: Record<string, unknown> | null;
    };
    return new Set(Object.keys(info.Containers ?? {}));
  }

  private async ensureContainer(
    job: JobRecord,
    rank: number,
    network: string,
  ): Promise<{ container: Docker.Container; state: string }> {
    const name = this.containerName(job.jobId, rank);
    // A start resumed after a restart finds what it created before. (Creating first and taking
    // a name conflict for "exists" would not do: Docker answers 409, Podman 500.)
    const existing = this.docker.getContainer(name);
    try {
      return { container: existing, state: (await existing.inspect()).State.Status };
    } catch (err) {
      if (engineStatus(err) !== 404) throw err;
    }
    const env = {
      ...job.environment,
      UCLOUD_JOB_ID: job.jobId,
      UCLOUD_RANK: String(rank),
      UCLOUD_NUMBER_OF_NODES: String(job.replicas),
    };
    const spec: Docker.ContainerCreateOptions = {
      name,
      Image: job.image,
      Entrypoint: wrappedEntrypoint(rank),
      Cmd: job.argv,
      Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      WorkingDir: MOUNT,
      Hostname: `rank-${rank}`,
      Labels: {
        'ucloud.job': job.jobId,
        'ucloud.rank': String(rank),
        'ucloud.instance': this.instance,
      },
      HostConfig: {
        // An init as PID 1 passes the stop signal on: a shell there would ignore SIGTERM.
        Init: true,
        Binds: [`${this.jobDir(job.jobId)}:${MOUNT}`],
        NetworkMode: network,
        ...(job.cpu > 0 && { NanoCpus: Math.round(job.cpu * 1e9) }),
        ...(job.memoryBytes > 0 && { Memory: job.memoryBytes }),
      },
      NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: [`rank-${rank}`] } } },
    };
    return { container: await this.docker.createContainer(spec), state: 'created' };
  }

  /**
   * One monitor pass over the labelled containers: ended jobs are reported (and their
   * containers removed), deadlines enforced. Passes never overlap.
   */
  private check(): Promise<void> {
    this.checking ??= this.checkOnce()
      .catch((err: unknown) => this.started.logger.warn({ err }, 'container monitor pass failed'))
      .finally(() => {
        this.checking = null;
      });
    return this.checking;
  }

  private async checkOnce(): Promise<void> {
    const listed = await this.listContainers();
    const byJob = new Map<string, Listed[]>();
    for (const c of listed) byJob.set(c.jobId, [...(byJob.get(c.jobId) ?? []), c]);
    const now = Date.now();
    for (const job of this.store.unfinished()) {
      if (job.phase === 'STARTING') continue;
      const containers = byJob.get(job.jobId) ?? [];
      const ended = (rank: number) => {
        const c = containers.find((x) => x.rank === rank);
        return c === undefined || ENDED_STATES.has(c.state);
      };
      const ranks = Array.from({ length: job.replicas }, (_, rank) => rank);
      if (ranks.every(ended)) {
        await this.finish(job, containers);
      } else if (ranks.some((r) => !containers.some((c) => c.rank === r))) {
        // A container removed from outside: the job cannot complete; stop the rest.
        this.requestStop(job, null);
      } else if (job.stopReason === null && job.deadline !== null && now >= job.deadline) {
        this.requestStop(job, 'EXPIRED');
      }
    }
    // Containers of ended jobs whose removal was interrupted.
    if (!this.options.keepContainers) {
      for (const [jobId, containers] of byJob) {
        const job = this.store.get(jobId);
        if (job?.phase === 'ENDED' && containers.every((c) => ENDED_STATES.has(c.state))) {
          await this.removeJob(jobId, false);
        }
      }
    }
  }

  private async listContainers(): Promise<Listed[]> {
    const list = await this.docker.listContainers({
      all: true,
      filters: { label: [`ucloud.instance=${this.instance}`] },
    });
    return list.flatMap((c) => {
      const jobId = c.Labels['ucloud.job'];
      const rank = Number(c.Labels['ucloud.rank']);
      return jobId === undefined || !Number.isInteger(rank)
        ? []
        : [{ id: c.Id, jobId, rank, state: c.State }];
    });
  }

  private async containersOf(jobId: string): Promise<Listed[]> {
    return (await this.listContainers()).filter((c) => c.jobId === jobId);
  }

  /** Reports the end of a job whose containers have all stopped (or gone), then removes them. */
  private async finish(job: JobRecord, containers: Listed[]): Promise<void> {
    const exits: Array<ContainerExit | null> = [];
    for (let rank = 0; rank < job.replicas; rank++) {
      const c = containers.find((x) => x.rank === rank);
      exits.push(c ? await this.exitOf(c.id) : null);
    }
    const outcome = outcomeOf(job.stopReason, exits);
    const times = exits.map((e) => e?.finishedAt ?? null);
    const endedAt = times.every((t) => t !== null) ? Math.max(...times) : undefined;
    this.reportEnd(job.jobId, outcome, endedAt);
    if (!this.options.keepContainers) await this.removeJob(job.jobId, false);
  }

  private async exitOf(containerId: string): Promise<ContainerExit | null> {
    try {
      const info = (await this.docker.getContainer(containerId).inspect()) as {
        State: { ExitCode: number; OOMKilled: boolean; FinishedAt?: string };
      };
      return {
        code: info.State.ExitCode,
        oomKilled: info.State.OOMKilled,
        finishedAt: finishedAtOf(info.State.FinishedAt),
      };
    } catch (err) {
      if (engineStatus(err) === 404) return null;
      throw err;
    }
  }

  /**
   * Stops the job's containers: SIGTERM, SIGKILL after the grace period (the engine's stop). The
   * end is reported by the monitor once they have all stopped. A null reason (a container gone
   * from outside) records nothing: the job then ends FAILURE.
   */
  private requestStop(job: JobRecord, reason: StopReason | null): void {
    if (reason !== null && job.stopReason === null) {
      this.store.markStopping(job.jobId, reason, Date.now());
    }
    // A starting job: the start sees the request and ends the job.
    if (job.phase === 'STARTING' || this.stopping.has(job.jobId)) return;
    this.stopping.add(job.jobId);
    this.started.logger.info({ jobId: job.jobId, reason }, 'stopping job');
    const t = Math.ceil(this.options.terminateGraceMs / 1000);
    void this.containersOf(job.jobId)
      .then((containers) =>
        Promise.all(
          containers.map(async (c) => {
            const container = this.docker.getContainer(c.id);
            // A paused container must run again to act on SIGTERM.
            if (c.state === 'paused') await container.unpause().catch(() => undefined);
            if (!ENDED_STATES.has(c.state)) await container.stop({ t });
          }),
        ),
      )
      .catch((err: unknown) =>
        this.started.logger.warn({ jobId: job.jobId, err }, 'could not stop job'),
      )
      .finally(() => {
        this.stopping.delete(job.jobId);
        void this.check();
      });
  }

  /** Removes the job's containers and network; `force` also removes running containers. */
  private async removeJob(jobId: string, force: boolean): Promise<void> {
    for (const c of await this.containersOf(jobId)) {
      await this.docker
        .getContainer(c.id)
        .remove({ force })
        .catch((err: unknown) => {
          if (engineStatus(err) !== 404) throw err;
        });
    }
    const network = this.docker.getNetwork(this.networkName(jobId));
    try {
      // Peers of the job are still attached; the network cannot go while they are.
      for (const id of await this.attachedTo(this.networkName(jobId))) {
        await network.disconnect({ Container: id, Force: true });
      }
      await network.remove();
    } catch (err) {
      if (engineStatus(err) !== 404) throw err;
    }
  }

  private containerName(jobId: string, rank: number): string {
    return `ucloud-${this.instance}-${jobId}-${rank}`;
  }

  private networkName(jobId: string): string {
    return `ucloud-${this.instance}-${jobId}`;
  }

  private jobDir(jobId: string): string {
    return join(this.options.jobsDir, jobId);
  }
}

/** The port a job's web application listens on; FAILED_PRECONDITION when it runs none. */
function webPortOf(job: JobRecord): number {
  if (job.webPort === null)
    throw new FailedPreconditionError(`Job ${job.jobId} does not run a web application`);
  return job.webPort;
}
