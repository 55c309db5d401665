/**
 * A provider plugin that makes load instead of running jobs, for the event and follower benches:
 * the gateway and orchestrator in front of it are the real processes. A job's name says what it
 * does, e.g. `bench events=1000 lines=1000 for=20000`:
 * - `events`: status updates a second, each `bench-event <sent at, epoch ms> #<n>`;
 * - `lines`: one stdout line every that many ms, `<sent at, epoch ms>\n`;
 * - `for`: ms after which the job ends SUCCESS, saying how many load events it emitted (else it
 *   runs until terminated).
 * State is kept in memory only: the plugin is not restarted during a bench.
 */
import {
  closeOnSignals,
  createLogger,
  describeProducts,
  NotFoundError,
  servePlugin,
  StartedContext,
  UnsupportedError,
  type ComputeBackend,
  type CreateJobSpec,
  type LogChunkOut,
  type PluginContext,
  type StreamLogsSpec,
} from '@ucloud/provider-sdk';

/**
 * The status prefix of a load event; then when it was emitted (epoch ms, fractional) and `#n`, its
 * number among the job's load events (from 1).
 */
export const LOAD_EVENT = 'bench-event ';

/** When a load event's status says it was emitted, and its number. */
export function loadEventOf(status: string): { sentAt: number; n: number } {
  const [sentAt, n] = status.slice(LOAD_EVENT.length).split(' #');
  return { sentAt: Number(sentAt), n: Number(n) };
}
/** Before the number of load events emitted, in the status of a job's end. */
export const EMITTED = 'after load events: ';
/** How often emission catches up with its rate: events due since the last tick go out together. */
const TICK_MS = 1;

/** Epoch milliseconds with sub-millisecond precision, comparable across processes. */
export const preciseNow = (): number => performance.timeOrigin + performance.now();

interface LoadJob {
  eventsPerS: number;
  /** Load events emitted so far; the final status tells how many. */
  emitted: number;
  lineMs: number;
  output: Buffer[];
  length: number;
  ended: boolean;
  timers: NodeJS.Timeout[];
  wakers: Set<() => void>;
}

/** `events=1000 lines=500 for=2000` from the job's name; absent keys are 0. */
export function loadOf(name: string): { events: number; lines: number; for: number } {
  const pairs = [...name.matchAll(/(\w+)=(\d+)/g)].map((m) => [m[1], Number(m[2])] as const);
  const get = (key: string) => pairs.find(([k]) => k === key)?.[1] ?? 0;
  return { events: get('events'), lines: get('lines'), for: get('for') };
}

class LoadBackend implements ComputeBackend {
  readonly name = 'load';
  private readonly ctx = new StartedContext('load');
  private readonly jobs = new Map<string, LoadJob>();

  constructor(private readonly providerId: string) {}

  describe() {
    return describeProducts([{ id: 'example-compute', category: 'example-compute' }], 'NATIVE', {
      providerId: this.providerId,
      offered: {},
    });
  }
  async start(ctx: PluginContext): Promise<void> {
    this.ctx.set(ctx);
  }
  async stop(): Promise<void> {
    for (const job of this.jobs.values()) this.end(job);
  }
  async create(spec: CreateJobSpec) {
    if (this.jobs.has(spec.jobId)) return {};
    const name = (JSON.parse(spec.jobJson || '{}') as { specification?: { name?: string } })
      .specification?.name;
    const load = loadOf(name ?? '');
    const job: LoadJob = {
      eventsPerS: load.events,
      emitted: 0,
      lineMs: load.lines,
      output: [],
      length: 0,
      ended: false,
      timers: [],
      wakers: new Set(),
    };
    this.jobs.set(spec.jobId, job);
    this.ctx.emit({ jobId: spec.jobId, state: 'RUNNING', status: 'Your job is now running!' });
    if (job.eventsPerS > 0) this.emitEvents(spec.jobId, job);
    if (job.lineMs > 0)
      job.timers.push(setInterval(() => this.print(job, `${preciseNow()}\n`), job.lineMs));
    if (load.for > 0) job.timers.push(setTimeout(() => this.finish(spec.jobId, job), load.for));
    return {};
  }
  async terminate(jobId: string): Promise<void> {
    this.finish(jobId, this.known(jobId), 'Your job has been cancelled!');
  }
  async extend(): Promise<number | null> {
    throw new UnsupportedError('Load jobs cannot be extended');
  }
  async suspend(): Promise<void> {
    throw new UnsupportedError('Load jobs cannot be suspended');
  }
  async unsuspend(): Promise<void> {
    throw new UnsupportedError('Load jobs cannot be suspended');
  }
  async verify(jobIds: string[]): Promise<string[]> {
    return jobIds.filter((id) => !this.jobs.has(id));
  }
  async utilization() {
    return { capacityCpu: 0, capacityMemoryBytes: 0, usedCpu: 0, usedMemoryBytes: 0, running: this.jobs.size, pending: 0 }; // prettier-ignore
  }
  async *streamLogs(request: StreamLogsSpec): AsyncIterable<LogChunkOut> {
    const job = this.known(request.jobId);
    let offset = request.offsets.find((o) => o.rank === 0 && o.stream === 'stdout')?.offset ?? 0;
    for (;;) {
      if (job.length > offset) {
        const all = Buffer.concat(job.output);
        yield { rank: 0, stream: 'stdout', offset, data: all.subarray(offset) };
        offset = all.length;
      }
      if (!request.follow || job.ended || request.signal.aborted) return;
      await new Promise<void>((resolve) => {
        const done = () => {
          job.wakers.delete(done);
          resolve();
        };
        job.wakers.add(done);
        request.signal.addEventListener('abort', done, { once: true });
      });
    }
  }

  /** Emits at the job's rate, catching up each tick with the events that fell due since the last. */
  private emitEvents(jobId: string, job: LoadJob): void {
    const startedAt = performance.now();
    const tick = () => {
      if (job.ended) return;
      const due = Math.floor(((performance.now() - startedAt) / 1000) * job.eventsPerS);
      // The events due this tick, in one commit (as a plugin reports a poll's changes).
      const burst = Array.from({ length: due - job.emitted }, (_, i) => ({
        jobId,
        status: `${LOAD_EVENT}${preciseNow()} #${job.emitted + i + 1}`,
      }));
      if (burst.length > 0) this.ctx.emitMany(burst);
      job.emitted = due;
      job.timers.push(setTimeout(tick, TICK_MS));
    };
    tick();
  }

  private print(job: LoadJob, text: string): void {
    const data = Buffer.from(text);
    job.output.push(data);
    job.length += data.length;
    for (const wake of job.wakers) wake();
  }

  private finish(jobId: string, job: LoadJob, status?: string): void {
    if (job.ended) return;
    this.end(job);
    status ??= `The job exited with code 0 ${EMITTED}${job.emitted}`;
    this.ctx.emit({ jobId, state: 'SUCCESS', status });
  }

  private end(job: LoadJob): void {
    job.ended = true;
    for (const t of job.timers) clearTimeout(t);
    job.timers = [];
    for (const wake of job.wakers) wake();
  }

  private known(jobId: string): LoadJob {
    const job = this.jobs.get(jobId);
    if (!job) throw new NotFoundError(`Unknown job: ${jobId}`);
    return job;
  }
}

// Run as the plugin process (startStack's pluginMain), not when the bench imports its helpers.
if (process.argv[1] === new URL(import.meta.url).pathname) {
  // The launcher sets these for any plugin it starts.
  const env = process.env as Record<string, string>;
  const logger = createLogger({ level: env.LOG_LEVEL ?? 'warn' });
  const server = await servePlugin(new LoadBackend(env.PROVIDER_ID ?? 'example'), {
    address: env.GRPC_ADDRESS ?? '127.0.0.1:50051',
    dataDir: env.DATA_DIR ?? './data/load',
    logger,
  });
  closeOnSignals(server, logger);
}
