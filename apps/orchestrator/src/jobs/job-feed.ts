import {
  Backoff,
  errorMessage,
  isFinalState,
  sleep,
  type JobsFollowResponse,
  type JobState,
  type JobStatus,
  type LogStreamName,
  type ProviderLogOffset,
} from '@ucloud/contracts';
import type { FollowDeps } from './follow.js';
import { parseUpdate, toApiJob, toProviderJob, type JobRow, type UpdateRow } from './job-view.js';

/** One stored update as a follower in step with the job receives it, built once for all of them. */
export interface FeedUpdate {
  seq: number;
  stateAfter: JobState;
  data: JobsFollowResponse;
}

/** The next message for a follower: one update, or a run of updates that keep the job's state. */
export interface FeedMessage {
  /** The last update in it. */
  seq: number;
  stateAfter: JobState;
  data: JobsFollowResponse;
}

/** Output as the job's one upstream log stream delivers it, decoded once. */
export interface FeedChunk {
  rank: number;
  stream: LogStreamName;
  offset: number;
  bytes: Buffer;
}

export type ChunkListener = (chunk: FeedChunk) => void;

/** How many built updates a feed keeps for followers catching up; older ones are built per follower. */
const RECENT_UPDATES = 1024;
/** Output kept for followers that join behind the shared stream, so they need no stream of their own. */
const KEPT_OUTPUT_BYTES = 4 * 1024 * 1024;
/** Messages of runs of updates kept for the followers still to send them. */
const RUNS_KEPT = 64;

const key = (rank: number, stream: LogStreamName) => `${rank}/${stream}`;

/**
 * What every follower of one job shares: its updates, read from the database once per change and
 * turned into messages once, and its output, read from the provider over ONE log stream that
 * fans out to all of them. The stream starts with the first follower that wants live output and
 * closes when the last one leaves or the job ends; before a final update the rest of the output
 * is fetched once for all followers (`drain`).
 */
export class JobFeed {
  /** Followers holding the feed; at 0 it closes. */
  holders = 0;
  /** Every update of the job (seq and state), for where a follower's cursor stands. */
  private readonly seqs: number[] = [];
  private readonly states: JobState[] = [];
  private firstRunning = Infinity;
  /** Built updates with seq > recentFrom, in order. */
  private recent: FeedUpdate[] = [];
  private recentFrom = 0;
  /** Messages of runs by their first and last seq, so followers in step share one. */
  private readonly runs = new Map<string, FeedMessage>();
  /** The job's status as of the last refresh (set by the constructor's). */
  private base!: JobStatus;
  /** The status last asked for, as of which update and from which base. */
  private status: { seq: number; base: JobStatus; status: JobStatus } | null = null;
  private stale = true;
  /** Aborted when the feed closes: ends its streams to the provider. */
  private readonly lifetime = new AbortController();
  private readonly signal: AbortSignal;

  private readonly listeners = new Set<ChunkListener>();
  /** Bytes the upstream stream has delivered per rank/stream (where it resumes). */
  private readonly head = new Map<string, number>();
  /** The latest output delivered per rank/stream, contiguous up to its head. */
  private readonly kept = new Map<string, FeedChunk[]>();
  private keptBytes = 0;
  private live: AbortController | null = null;
  private draining: Promise<void> | null = null;
  /** The job has ended and its output was fetched to the end (or is being): no more live stream. */
  private ended = false;

  constructor(
    private readonly deps: FollowDeps,
    readonly jobId: number,
    private readonly onIdle: (feed: JobFeed) => void,
  ) {
    this.signal = AbortSignal.any([this.lifetime.signal, deps.closing]);
    this.refresh();
  }

  /** The job changed (its followers are woken by the notifier and say so): read again when asked. */
  changed(): void {
    this.stale = true;
  }

  /** A follower is done with the feed; the last one closes it and its streams. */
  release(): void {
    if (--this.holders > 0) return;
    this.lifetime.abort();
    this.live = null;
    this.listeners.clear();
    this.onIdle(this);
  }

  /** The updates after `seq`, oldest first, each with the message a follower sends for it. */
  updatesAfter(seq: number): FeedUpdate[] {
    this.refresh();
    if (seq >= this.recentFrom)
      return this.recent.slice(firstAfter(this.recent, seq, (u) => u.seq));
    // Resuming from long ago: those messages are built for this follower alone.
    const older = this.deps.jobs
      .updatesOf(this.jobId, seq)
      .filter((row) => row.seq <= this.recentFrom)
      .map((row) => this.build(row));
    return [...older, ...this.recent];
  }

  /**
   * The next message after update `seq`, or null: the next update alone when it changes the
   * job's state (each message shows the job as of its updates) or ends it, else it with the
   * updates after it that keep that state (status updates), at most all there are now.
   */
  nextAfter(seq: number): FeedMessage | null {
    this.refresh();
    // A follower in step asks after each message it sends: answered without building a list.
    if ((this.seqs.at(-1) ?? 0) <= seq) return null;
    const updates = this.updatesAfter(seq);
    const first = updates[0];
    if (!first) return null;
    let n = 1;
    if (!isFinalState(first.stateAfter)) while (updates[n]?.stateAfter === first.stateAfter) n++;
    if (n === 1) return first;
    const last = updates[n - 1] as FeedUpdate;
    const key = `${first.seq}-${last.seq}`;
    let run = this.runs.get(key);
    if (!run) {
      const data = {
        updates: updates.slice(0, n).flatMap((u) => u.data.updates),
        log: [],
        newStatus: last.data.newStatus,
      };
      run = { seq: last.seq, stateAfter: last.stateAfter, data };
      this.runs.set(key, run);
      if (this.runs.size > RUNS_KEPT) this.runs.delete(this.runs.keys().next().value as string);
    }
    return run;
  }

  /** The job's state and whether it had run, as of update `seq`. */
  stateAt(seq: number): { state: JobState; everRan: boolean } {
    this.refresh();
    const after = firstAfter(this.seqs, seq, (s) => s);
    return { state: this.states[after - 1] ?? 'IN_QUEUE', everRan: this.firstRunning <= seq };
  }

  /** The job's status as a follower that has seen the updates up to `seq` is shown it. */
  statusAt(seq: number): JobStatus {
    const { state, everRan } = this.stateAt(seq);
    // Followers in step share one object: messages built for one of them serve the rest.
    if (this.status?.seq === seq && this.status.base === this.base) return this.status.status;
    const base = this.base;
    const status: JobStatus = { ...base, state };
    // Not started yet as of those updates, though the row may say so already.
    if (!everRan) Object.assign(status, { startedAt: null, expiresAt: null });
    this.status = { seq, base, status };
    return status;
  }

  /**
   * Sends the job's output from here on to `listener` over the shared stream, which starts
   * (from `offsets`) if it is not running; what the stream has passed since `offsets` is sent at
   * once when the feed still keeps it. Answers whether the listener is behind even so: it must
   * then fetch what lies between itself.
   */
  listen(listener: ChunkListener, offsets: ProviderLogOffset[]): { behind: boolean } {
    const mine = new Map(offsets.map((o) => [key(o.rank, o.stream), o.offset]));
    if (this.listeners.size === 0 && !this.live)
      for (const [k, offset] of mine) if (!this.head.has(k)) this.head.set(k, offset);
    const lagging = [...this.head].filter(([k, offset]) => (mine.get(k) ?? 0) < offset);
    const servable = lagging.every(([k]) => (this.kept.get(k)?.[0]?.offset ?? Infinity) <= (mine.get(k) ?? 0)); // prettier-ignore
    if (servable)
      for (const [k] of lagging) for (const chunk of this.kept.get(k) ?? []) listener(chunk);
    this.listeners.add(listener);
    if (!this.live && !this.ended) this.startLive();
    return { behind: !servable };
  }

  unlisten(listener: ChunkListener): void {
    this.listeners.delete(listener);
    if (this.listeners.size > 0) return;
    this.live?.abort();
    this.live = null;
  }

  /** Whether `listener` has received everything the shared stream has, so `drain` serves it. */
  serves(listener: ChunkListener): boolean {
    return this.listeners.has(listener);
  }

  /**
   * Ends the live stream and fetches the rest of the output once for every listener. A failed
   * attempt rejects; the next call tries again.
   */
  drain(): Promise<void> {
    this.ended = true;
    this.live?.abort();
    this.live = null;
    this.draining ??= this.fetchRest().catch((e: unknown) => {
      this.draining = null;
      throw e;
    });
    return this.draining;
  }

  private async fetchRest(): Promise<void> {
    const gateway = this.deps.providers(this.job().provider);
    if (!gateway) return;
    const job = toProviderJob(this.job(), [], { catalog: this.deps.catalog });
    try {
      for await (const chunk of gateway.followLogs(job, this.offsets(), false, this.signal))
        this.deliver(chunk);
    } catch (e) {
      this.deps.log.warn(
        { jobId: this.jobId, err: errorMessage(e) },
        'could not fetch the rest of the output',
      );
      throw e;
    }
  }

  /** Reads new updates and the job row once after each change, for every follower. */
  private refresh(): void {
    if (!this.stale) return;
    this.stale = false;
    const rows = this.deps.jobs.updatesOf(this.jobId, this.seqs.at(-1) ?? 0);
    // Read after the updates: the status is at least as new as the last of them.
    this.base = toApiJob(this.job(), [], {}, { catalog: this.deps.catalog }).status;
    for (const row of rows) {
      this.seqs.push(row.seq);
      this.states.push(row.stateAfter);
      if (row.stateAfter === 'RUNNING' && this.firstRunning === Infinity)
        this.firstRunning = row.seq;
      if (isFinalState(row.stateAfter)) this.ended = true;
    }
    // Only the newest are built: a long history is read by the rare follower resuming far back.
    this.recent.push(...rows.slice(-RECENT_UPDATES).map((row) => this.build(row)));
    if (this.recent.length > RECENT_UPDATES) this.recent = this.recent.slice(-RECENT_UPDATES);
    this.recentFrom = (this.recent[0]?.seq ?? (this.seqs.at(-1) ?? 0) + 1) - 1;
  }

  private build(row: UpdateRow): FeedUpdate {
    return {
      seq: row.seq,
      stateAfter: row.stateAfter,
      data: { updates: [parseUpdate(row)], log: [], newStatus: this.statusAt(row.seq) },
    };
  }

  private job(): JobRow {
    const job = this.deps.jobs.get(this.jobId);
    // Jobs are never deleted; the feed was opened for one that exists.
    if (!job) throw new Error(`job ${this.jobId} vanished while followed`);
    return job;
  }

  private offsets(): ProviderLogOffset[] {
    return [...this.head].map(([k, offset]) => {
      const [rank, stream] = k.split('/') as [string, LogStreamName];
      return { rank: Number(rank), stream, offset };
    });
  }

  private deliver(chunk: { rank: number; stream: LogStreamName; offset: number; data: string }) {
    const bytes = Buffer.from(chunk.data, 'base64');
    const k = key(chunk.rank, chunk.stream);
    const end = chunk.offset + bytes.length;
    const head = this.head.get(k) ?? 0;
    if (end <= head) return;
    this.head.set(k, end);
    const decoded: FeedChunk = { rank: chunk.rank, stream: chunk.stream, offset: chunk.offset, bytes }; // prettier-ignore
    this.keep(k, { ...decoded, offset: head, bytes: bytes.subarray(Math.max(0, head - chunk.offset)) }); // prettier-ignore
    for (const listener of this.listeners) listener(decoded);
  }

  /** Keeps `chunk` (starting at its stream's head), forgetting the oldest output beyond the cap. */
  private keep(k: string, chunk: FeedChunk): void {
    // Always from the head: what is kept stays contiguous.
    const chunks = this.kept.get(k) ?? [];
    this.kept.set(k, chunks);
    chunks.push(chunk);
    this.keptBytes += chunk.bytes.length;
    for (const list of this.kept.values()) {
      while (this.keptBytes > KEPT_OUTPUT_BYTES && list.length > 0)
        this.keptBytes -= list.shift()?.bytes.length ?? 0;
    }
  }

  /** Streams output as it is written, reconnecting with backoff until stopped or the provider says the job ended. */
  private startLive(): void {
    const controller = new AbortController();
    this.live = controller;
    const gateway = this.deps.providers(this.job().provider);
    if (!gateway) return;
    const signal = AbortSignal.any([controller.signal, this.signal]);
    // Read through a call: the signal changes while this loop awaits.
    const stopped = () => signal.aborted;
    const backoff = new Backoff(this.deps.logs.backoff);
    void (async () => {
      while (!stopped()) {
        try {
          const job = toProviderJob(this.job(), [], { catalog: this.deps.catalog });
          for await (const chunk of gateway.followLogs(job, this.offsets(), true, signal)) {
            this.deliver(chunk);
            backoff.reset();
          }
          return;
        } catch (e) {
          if (stopped()) return;
          this.deps.log.debug(
            { jobId: this.jobId, err: errorMessage(e) },
            'log stream interrupted; reconnecting',
          );
          await sleep(backoff.next(), signal);
        }
      }
    })();
  }
}

/** Index of the first item of sorted `items` whose key is above `seq` (items.length if none). */
function firstAfter<T>(items: readonly T[], seq: number, keyOf: (item: T) => number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keyOf(items[mid] as T) <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The open feeds, one per followed job. */
export class JobFeeds {
  private readonly open = new Map<number, JobFeed>();

  constructor(private readonly deps: FollowDeps) {}

  /** The job's feed, opened if needed; the caller releases it when its follow ends. */
  hold(jobId: number): JobFeed {
    let feed = this.open.get(jobId);
    if (!feed) {
      feed = new JobFeed(this.deps, jobId, (f) => {
        if (this.open.get(f.jobId) === f) this.open.delete(f.jobId);
      });
      this.open.set(jobId, feed);
    }
    feed.holders++;
    return feed;
  }

  /** Jobs with an open feed. */
  get size(): number {
    return this.open.size;
  }
}
