/** A minimal plugin to copy: a job (argv `[seconds per line, line, …]`) is a timer "printing" its
 * lines. Its output is a function of time, so a restarted plugin knows what was printed and when
 * the job ended. Serve it with `servePlugin`; its test runs the conformance kit against it. */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  describeProducts,
  InvalidArgumentError,
  JobStoreBase,
  NotFoundError,
  StartedContext,
  UnsupportedError,
  type ComputeBackend,
  type CreateJobSpec,
  type LogChunkOut,
  type PluginContext,
  type StreamLogsSpec,
} from '../src/index.js'; // in your plugin: '@ucloud/provider-sdk'

interface TimerJob {
  job_id: string;
  started_at: number;
  interval_ms: number;
  lines: string;
  stopped_at: number | null; // cancelled then: it printed nothing after
  reported: number;
}

class TimerStore extends JobStoreBase {
  constructor(file: string) {
    super(file, [
      `CREATE TABLE IF NOT EXISTS jobs (job_id TEXT PRIMARY KEY, started_at INTEGER NOT NULL,
        interval_ms INTEGER NOT NULL, lines TEXT NOT NULL, stopped_at INTEGER,
        reported INTEGER NOT NULL DEFAULT 0)`,
    ]);
  }
  get(id: string): TimerJob | undefined {
    return this.db.prepare<[string], TimerJob>('SELECT * FROM jobs WHERE job_id = ?').get(id);
  }
  unreported(): TimerJob[] {
    return this.db.prepare<[], TimerJob>('SELECT * FROM jobs WHERE reported = 0').all();
  }
  insert(id: string, startedAt: number, intervalMs: number, lines: string[]): void {
    this.db
      .prepare('INSERT INTO jobs (job_id, started_at, interval_ms, lines) VALUES (?, ?, ?, ?)')
      .run(id, startedAt, intervalMs, JSON.stringify(lines));
  }
  set(id: string, column: 'stopped_at' | 'reported', value: number): void {
    this.db.prepare(`UPDATE jobs SET ${column} = ? WHERE job_id = ?`).run(value, id);
  }
}

const linesOf = (job: TimerJob) => JSON.parse(job.lines) as string[];
// It ends by itself after its last line; its stdout at `at` is the lines printed by then.
const endOf = (job: TimerJob) => job.started_at + linesOf(job).length * job.interval_ms;
function outputAt(job: TimerJob, at: number): Buffer {
  const until = Math.min(at, job.stopped_at ?? Infinity);
  const printed = Math.max(0, Math.floor((until - job.started_at) / job.interval_ms));
  return Buffer.from(linesOf(job).slice(0, printed).join('\n') + (printed > 0 ? '\n' : ''));
}
const ended = (job: TimerJob, at: number) => job.stopped_at !== null || at >= endOf(job);
export class TimerBackend implements ComputeBackend {
  readonly name = 'timer';
  private readonly ctx = new StartedContext('timer');
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly store: TimerStore;

  constructor(private readonly options: { dataDir: string; providerId: string }) {
    this.store = new TimerStore(`${options.dataDir}/timer.db`);
  }
  describe() {
    const { providerId } = this.options;
    return describeProducts([{ id: 'timer', category: 'timer' }], 'NATIVE', { providerId, offered: {} }); // prettier-ignore
  }
  async start(ctx: PluginContext): Promise<void> {
    this.ctx.set(ctx);
    for (const job of this.store.unreported()) this.watch(job); // ends missed while down, too
  }
  async stop(): Promise<void> {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.store.close();
  }
  async create(spec: CreateJobSpec) {
    if (this.store.get(spec.jobId)) return {};
    const [seconds, ...lines] = spec.argv;
    const intervalMs = Number(seconds) * 1000;
    if (!(intervalMs > 0)) throw new InvalidArgumentError('argv[0] must be the seconds per line');
    this.store.insert(spec.jobId, Date.now(), intervalMs, lines);
    this.ctx.emit({ jobId: spec.jobId, state: 'RUNNING', status: 'Your job is now running!' });
    this.watch(this.known(spec.jobId));
    return {};
  }
  async terminate(jobId: string): Promise<void> {
    const job = this.known(jobId);
    if (ended(job, Date.now())) return;
    this.store.set(jobId, 'stopped_at', Date.now());
    this.watch(this.known(jobId));
  }
  async extend(jobId: string): Promise<number | null> {
    return this.refuse(jobId, 'extended');
  }
  async suspend(jobId: string): Promise<void> {
    this.refuse(jobId, 'suspended');
  }
  async unsuspend(jobId: string): Promise<void> {
    this.refuse(jobId, 'suspended');
  }
  async verify(jobIds: string[]): Promise<string[]> {
    const known = this.store.known(jobIds);
    return jobIds.filter((id) => !known.has(id));
  }
  async utilization() {
    const running = this.store.unreported().length;
    return { capacityCpu: 0, capacityMemoryBytes: 0, usedCpu: 0, usedMemoryBytes: 0, running, pending: 0 }; // prettier-ignore
  }
  async *streamLogs(request: StreamLogsSpec): AsyncIterable<LogChunkOut> {
    let offset = request.offsets.find((o) => o.rank === 0 && o.stream === 'stdout')?.offset ?? 0;
    for (;;) {
      const job = this.known(request.jobId);
      const now = Date.now();
      const output = outputAt(job, now);
      if (output.length > offset)
        yield { rank: 0, stream: 'stdout', offset, data: output.subarray(offset) };
      offset = Math.max(offset, output.length);
      if (!request.follow || ended(job, now) || request.signal.aborted) return;
      await sleep(job.interval_ms / 4, undefined, { signal: request.signal }).catch(() => {});
    }
  }
  /** Reports the job's end when it comes (at once if it came while the plugin was down). */
  private watch(job: TimerJob): void {
    clearTimeout(this.timers.get(job.job_id));
    const at = job.stopped_at ?? endOf(job);
    const report = () => {
      const status =
        job.stopped_at === null ? 'The job exited with code 0' : 'Your job has been cancelled!';
      this.ctx.emit({ jobId: job.job_id, state: 'SUCCESS', status, occurredAt: at });
      this.store.set(job.job_id, 'reported', 1);
    };
    this.timers.set(job.job_id, setTimeout(report, Math.max(0, at - Date.now())));
  }
  /** Extension and suspension are not declared (describe): the gateway never asks for them. */
  private refuse(jobId: string, what: string): never {
    this.known(jobId);
    throw new UnsupportedError(`Timer jobs cannot be ${what}`);
  }
  private known(jobId: string): TimerJob {
    const job = this.store.get(jobId);
    if (!job) throw new NotFoundError(`Unknown job: ${jobId}`);
    return job;
  }
}
