import {
  Backoff,
  type BackoffOptions,
  errorMessage,
  isFinalState,
  sleep,
  serviceUnavailable,
  type FollowEvent,
  type JobsLog,
  type JobState,
  type JobStatus,
  type LogStreamName,
  type ProviderLogChunk,
} from '@ucloud/contracts';
import type { Logger } from 'pino';
import type { Catalog } from '../catalog/catalog.js';
import { completeUtf8Length, type FollowCursor } from './follow-cursor.js';
import { parseUpdate, toApiJob, toProviderJob, type JobRow } from './job-view.js';
import type { JobNotifier } from './notifier.js';
import type { ProviderCalls, ProviderLookup } from './ports.js';
import type { JobRepository } from './repository.js';

export interface FollowDeps {
  jobs: Pick<JobRepository, 'get' | 'updatesOf'>;
  notifier: JobNotifier;
  catalog: Catalog;
  providers: ProviderLookup;
  log: Logger;
  /** Aborted when the orchestrator shuts down: every follow then ends, for its client to resume. */
  closing: AbortSignal;
  /** Waits between reconnections of the live output stream, and tries to fetch the rest at the end. */
  logs: { backoff: BackoffOptions; drainAttempts: number };
}

/**
 * One follower of one job. Updates come from the database in order; logs come from the provider
 * once the job has run. Before a final update is sent, the rest of the output is fetched and sent,
 * so a follower sees the job's whole output before it sees the job end.
 */
export class JobFollower {
  private readonly queue: ProviderLogChunk[] = [];
  /** Bytes received per stream, including those queued but not yet sent. */
  private readonly fetched = new Map<string, number>();
  /** Received bytes that end inside a UTF-8 character, held until the rest arrives. */
  private readonly partial = new Map<string, Buffer>();
  private live: AbortController | null = null;
  private wakeUp: () => void = () => {};
  private everRan: boolean;
  private state: JobState;
  /** The follower went away, or the server is shutting down. */
  private readonly signal: AbortSignal;

  constructor(
    private readonly deps: FollowDeps,
    private readonly jobId: number,
    private readonly cursor: FollowCursor,
    callerGone: AbortSignal | undefined,
  ) {
    this.signal = callerGone ? AbortSignal.any([callerGone, deps.closing]) : deps.closing;
    for (const o of cursor.logOffsets()) this.fetched.set(`${o.rank}/${o.stream}`, o.offset);
    const seen = deps.jobs.updatesOf(jobId).filter((u) => u.seq <= cursor.updateSeq);
    this.everRan = seen.some((u) => u.stateAfter === 'RUNNING');
    this.state = seen.at(-1)?.stateAfter ?? 'IN_QUEUE';
  }

  async *events(): AsyncGenerator<FollowEvent> {
    const unsubscribe = this.deps.notifier.subscribe(this.jobId, () => this.wakeUp());
    const onAbort = () => this.wakeUp();
    this.signal.addEventListener('abort', onAbort);
    try {
      while (!this.signal.aborted) {
        const woken = new Promise<void>((resolve) => (this.wakeUp = resolve));
        if (this.queue.length > 0) {
          yield this.logEvent(this.queue.splice(0));
          continue;
        }
        for (const row of this.deps.jobs.updatesOf(this.jobId, this.cursor.updateSeq)) {
          const final = isFinalState(row.stateAfter);
          if (final && this.everRan) {
            yield* this.drainLogs();
            // Stopped before all output was sent: never show the end without it.
            if (this.stopped()) break;
          }
          this.cursor.updateSeq = row.seq;
          this.state = row.stateAfter;
          if (this.state === 'RUNNING') this.everRan = true;
          yield {
            id: this.cursor.toString(),
            data: { updates: [parseUpdate(row)], log: [], newStatus: this.status() },
          };
          if (final) return;
        }
        if (this.everRan && !this.live) this.startLiveLogs();
        await woken;
      }
      // Ended as an error, not as the end of the job: the client follows again from its last id.
      if (this.deps.closing.aborted)
        throw serviceUnavailable('The server is restarting; follow again from the last event id');
    } finally {
      unsubscribe();
      this.signal.removeEventListener('abort', onAbort);
      this.live?.abort();
    }
  }

  /** Read through a call: the signal changes while the follower awaits. */
  private stopped(): boolean {
    return this.signal.aborted;
  }

  private job(): JobRow {
    const job = this.deps.jobs.get(this.jobId);
    // Jobs are never deleted; the follower was created for one that exists.
    if (!job) throw new Error(`job ${this.jobId} vanished while followed`);
    return job;
  }

  private status(): JobStatus {
    const status = toApiJob(this.job(), [], {}, { catalog: this.deps.catalog }).status;
    // The job as of the updates sent so far: not started yet, though the row may say so already.
    if (!this.everRan) return { ...status, state: this.state, startedAt: null, expiresAt: null };
    return { ...status, state: this.state };
  }

  private gateway(): ProviderCalls | undefined {
    return this.deps.providers(this.job().provider);
  }

  private offsets() {
    return [...this.fetched].map(([k, offset]) => {
      const [rank, stream] = k.split('/') as [string, LogStreamName];
      return { rank: Number(rank), stream, offset };
    });
  }

  /** Streams output as it is written, reconnecting with backoff until aborted or the provider says the job ended. */
  private startLiveLogs(): void {
    const controller = new AbortController();
    this.live = controller;
    const gateway = this.gateway();
    if (!gateway) return;
    // Read through a call: the signal changes while this loop awaits.
    const stopped = () => controller.signal.aborted;
    const backoff = new Backoff(this.deps.logs.backoff);
    void (async () => {
      while (!stopped()) {
        try {
          const job = toProviderJob(this.job(), [], { catalog: this.deps.catalog });
          for await (const chunk of gateway.followLogs(
            job,
            this.offsets(),
            true,
            controller.signal,
          )) {
            if (this.accept(chunk)) this.wakeUp();
            backoff.reset();
          }
          return;
        } catch (e) {
          if (stopped()) return;
          this.deps.log.debug(
            { jobId: this.jobId, err: errorMessage(e) },
            'log stream interrupted; reconnecting',
          );
          await sleep(backoff.next(), controller.signal);
        }
      }
    })();
  }

  /**
   * Sends what is queued, then fetches the remaining output up to its end. When the provider
   * cannot give it (its gateway is down), the follow ends with an error rather than show the job
   * ended with output missing: the client follows again from its last event id, before the end.
   */
  private async *drainLogs(): AsyncGenerator<FollowEvent> {
    this.live?.abort();
    this.live = null;
    if (this.queue.length > 0) yield this.logEvent(this.queue.splice(0));
    const gateway = this.gateway();
    if (!gateway) return;
    const job = toProviderJob(this.job(), [], { catalog: this.deps.catalog });
    const backoff = new Backoff(this.deps.logs.backoff);
    for (let attempt = 1; ; attempt++) {
      try {
        for await (const chunk of gateway.followLogs(job, this.offsets(), false, this.signal)) {
          if (this.accept(chunk)) yield this.logEvent(this.queue.splice(0));
        }
        break;
      } catch (e) {
        if (this.signal.aborted) return;
        this.deps.log.warn(
          { jobId: this.jobId, attempt, err: errorMessage(e) },
          'could not fetch the rest of the output',
        );
        if (attempt >= this.deps.logs.drainAttempts)
          throw serviceUnavailable(
            `The rest of job ${this.jobId}'s output cannot be fetched right now; follow again from the last event id`,
          );
        await sleep(backoff.next(), this.signal);
      }
    }
    const rest = this.flushPartial();
    if (rest.length > 0)
      yield {
        id: this.cursor.toString(),
        data: { updates: [], log: rest, newStatus: this.status() },
      };
  }

  /** Queues a chunk unless it holds only bytes already received. */
  private accept(chunk: ProviderLogChunk): boolean {
    const key = `${chunk.rank}/${chunk.stream}`;
    const have = this.fetched.get(key) ?? 0;
    const bytes = Buffer.from(chunk.data, 'base64');
    const end = chunk.offset + bytes.length;
    if (end <= have) return false;
    const fresh = bytes.subarray(Math.max(0, have - chunk.offset));
    this.fetched.set(key, end);
    this.queue.push({ ...chunk, offset: end - fresh.length, data: fresh.toString('base64') });
    return true;
  }

  private logEvent(chunks: ProviderLogChunk[]): FollowEvent {
    const byRank = new Map<number, JobsLog>();
    for (const chunk of chunks) {
      const key = `${chunk.rank}/${chunk.stream}`;
      const buf = Buffer.concat([
        this.partial.get(key) ?? Buffer.alloc(0),
        Buffer.from(chunk.data, 'base64'),
      ]);
      const complete = completeUtf8Length(buf);
      this.partial.set(key, buf.subarray(complete));
      this.cursor.advance(
        chunk.rank,
        chunk.stream,
        chunk.offset + Buffer.from(chunk.data, 'base64').length - (buf.length - complete),
      );
      this.append(byRank, chunk.rank, chunk.stream, buf.subarray(0, complete).toString('utf8'));
    }
    return {
      id: this.cursor.toString(),
      data: {
        updates: [],
        log: [...byRank.values()].filter((l) => l.stdout || l.stderr),
        newStatus: this.status(),
      },
    };
  }

  private flushPartial(): JobsLog[] {
    const byRank = new Map<number, JobsLog>();
    for (const [key, buf] of this.partial) {
      if (buf.length === 0) continue;
      const [rank, stream] = key.split('/') as [string, LogStreamName];
      this.cursor.advance(
        Number(rank),
        stream,
        this.cursor.offsetOf(Number(rank), stream) + buf.length,
      );
      this.append(byRank, Number(rank), stream, buf.toString('utf8'));
      this.partial.set(key, Buffer.alloc(0));
    }
    return [...byRank.values()];
  }

  private append(
    byRank: Map<number, JobsLog>,
    rank: number,
    stream: LogStreamName,
    text: string,
  ): void {
    if (!text) return;
    const entry = byRank.get(rank) ?? { rank, stdout: null, stderr: null };
    entry[stream] = (entry[stream] ?? '') + text;
    byRank.set(rank, entry);
  }
}
