import {
  Backoff,
  type BackoffOptions,
  errorMessage,
  isFinalState,
  sleep,
  serviceUnavailable,
  type FollowEvent,
  type Job,
  type JobsLog,
  type JobStatus,
  type LogStreamName,
  type ProviderLogChunk,
} from '@ucloud/contracts';
import type { Logger } from 'pino';
import type { Catalog } from '../catalog/catalog.js';
import { completeUtf8Length, type FollowCursor } from './follow-cursor.js';
import type { ChunkListener, FeedChunk, JobFeed, JobFeeds } from './job-feed.js';
import { toProviderJob } from './job-view.js';
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
 * One follower of one job. Updates come from the job's feed, read and built once for all its
 * followers; output comes from the feed's one stream from the provider once the job has run (a
 * follower behind that stream first fetches what it lacks itself). Before a final update is
 * sent, the rest of the output is fetched and sent, so a follower sees the job's whole output
 * before it sees the job end.
 */
export class JobFollower {
  private readonly queue: FeedChunk[] = [];
  /** Bytes received per stream, including those queued but not yet sent. */
  private readonly fetched = new Map<string, number>();
  /** Received bytes that end inside a UTF-8 character, held until the rest arrives (never empty). */
  private readonly partial = new Map<string, Buffer>();
  /** Times woken: a wake while the loop was not waiting (it was sending) makes it look again. */
  private wakes = 0;
  private resume: (() => void) | null = null;
  private readonly wakeUp = () => {
    this.wakes++;
    this.resume?.();
    this.resume = null;
  };
  /** Receiving the feed's output. */
  private listening = false;
  /** While fetching what lies before the feed's stream: its chunks, held until that is done. */
  private held: FeedChunk[] | null = null;
  private catchingUp: AbortController | null = null;
  /** The follower went away, or the server is shutting down. */
  private readonly signal: AbortSignal;
  private readonly listener: ChunkListener = (chunk) => {
    if (this.held) this.held.push(chunk);
    else if (this.accept(chunk)) this.wakeUp();
  };

  /** The job's feed, held while `events` runs (a follow never iterated holds nothing). */
  private feed!: JobFeed;

  constructor(
    private readonly deps: FollowDeps,
    private readonly feeds: JobFeeds,
    private readonly jobId: number,
    private readonly cursor: FollowCursor,
    callerGone: AbortSignal | undefined,
  ) {
    this.signal = callerGone ? AbortSignal.any([callerGone, deps.closing]) : deps.closing;
    for (const o of cursor.logOffsets()) this.fetched.set(`${o.rank}/${o.stream}`, o.offset);
  }

  async *events(): AsyncGenerator<FollowEvent> {
    this.feed = this.feeds.hold(this.jobId);
    const unsubscribe = this.deps.notifier.subscribe(this.jobId, () => {
      this.feed.changed();
      this.wakeUp();
    });
    const onAbort = () => this.wakeUp();
    this.signal.addEventListener('abort', onAbort);
    try {
      while (!this.signal.aborted) {
        const wakes = this.wakes;
        if (this.queue.length > 0) {
          yield this.logEvent(this.queue.splice(0));
          continue;
        }
        for (
          let next = this.feed.nextAfter(this.cursor.updateSeq);
          next;
          next = this.feed.nextAfter(this.cursor.updateSeq)
        ) {
          const final = isFinalState(next.stateAfter);
          if (final && this.feed.stateAt(next.seq).everRan) {
            yield* this.drainLogs();
            // Stopped before all output was sent: never show the end without it.
            if (this.stopped()) break;
          }
          this.cursor.updateSeq = next.seq;
          // The message is the feed's, shared with every follower; only the id is this one's.
          yield { id: this.cursor.toString(), data: next.data };
          if (final) return;
        }
        if (!this.listening && this.feed.stateAt(this.cursor.updateSeq).everRan) this.listen();
        if (this.wakes === wakes) await new Promise<void>((resolve) => (this.resume = resolve));
      }
      // Ended as an error, not as the end of the job: the client follows again from its last id.
      if (this.deps.closing.aborted)
        throw serviceUnavailable('The server is restarting; follow again from the last event id');
    } finally {
      unsubscribe();
      this.signal.removeEventListener('abort', onAbort);
      this.catchingUp?.abort();
      this.feed.unlisten(this.listener);
      this.feed.release();
    }
  }

  /** Read through a call: the signal changes while the follower awaits. */
  private stopped(): boolean {
    return this.signal.aborted;
  }

  private status(): JobStatus {
    return this.feed.statusAt(this.cursor.updateSeq);
  }

  private providerJob(): { gateway: ProviderCalls | undefined; job: Job } | null {
    const row = this.deps.jobs.get(this.jobId);
    if (!row) return null;
    const job = toProviderJob(row, [], { catalog: this.deps.catalog });
    return { gateway: this.deps.providers(row.provider), job };
  }

  private offsets() {
    return [...this.fetched].map(([k, offset]) => {
      const [rank, stream] = k.split('/') as [string, LogStreamName];
      return { rank: Number(rank), stream, offset };
    });
  }

  /** Takes output from the feed's stream; first fetches what lies before it, if anything. */
  private listen(): void {
    this.listening = true;
    const { behind } = this.feed.listen(this.listener, this.offsets());
    if (!behind) return;
    this.held = [];
    this.catchingUp = new AbortController();
    void this.catchUp(AbortSignal.any([this.catchingUp.signal, this.signal]));
  }

  /** Fetches output up to now from this follower's offsets (retrying), then takes what was held. */
  private async catchUp(signal: AbortSignal): Promise<void> {
    const target = this.providerJob();
    const backoff = new Backoff(this.deps.logs.backoff);
    // Read through a call: the signal changes while this loop awaits.
    const stopped = () => signal.aborted;
    while (target?.gateway && !stopped()) {
      try {
        for await (const chunk of target.gateway.followLogs(
          target.job,
          this.offsets(),
          false,
          signal,
        ))
          this.accept(decode(chunk));
        break;
      } catch (e) {
        if (stopped()) return;
        this.deps.log.debug(
          { jobId: this.jobId, err: errorMessage(e) },
          'could not catch up with the output; retrying',
        );
        await sleep(backoff.next(), signal);
      }
    }
    if (stopped()) return;
    const held = this.held ?? [];
    this.held = null;
    for (const chunk of held) this.accept(chunk);
    this.wakeUp();
  }

  /**
   * Sends what is queued, then the remaining output up to its end: fetched once by the feed for
   * every follower in step with it, or by this follower alone. When the provider cannot give it
   * (its gateway is down), the follow ends with an error rather than show the job ended with
   * output missing: the client follows again from its last event id, before the end.
   */
  private async *drainLogs(): AsyncGenerator<FollowEvent> {
    const shared = this.listening && this.held === null;
    if (!shared) {
      this.catchingUp?.abort();
      this.held = null;
      this.feed.unlisten(this.listener);
      this.listening = false;
    }
    if (this.queue.length > 0) yield this.logEvent(this.queue.splice(0));
    const target = this.providerJob();
    if (!target?.gateway) return;
    const { gateway, job } = target;
    const backoff = new Backoff(this.deps.logs.backoff);
    for (let attempt = 1; ; attempt++) {
      try {
        if (shared) {
          await untilAborted(this.feed.drain(), this.signal);
          if (this.queue.length > 0) yield this.logEvent(this.queue.splice(0));
        } else {
          for await (const chunk of gateway.followLogs(job, this.offsets(), false, this.signal)) {
            if (this.accept(decode(chunk))) yield this.logEvent(this.queue.splice(0));
          }
        }
        break;
      } catch (e) {
        if (this.signal.aborted) return;
        // The feed says so once for all its followers.
        if (!shared)
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
    if (this.stopped()) return;
    const rest = this.flushPartial();
    if (rest.length > 0)
      yield {
        id: this.cursor.toString(),
        data: { updates: [], log: rest, newStatus: this.status() },
      };
  }

  /** Queues a chunk unless it holds only bytes already received. */
  private accept(chunk: FeedChunk): boolean {
    const key = keyOf(chunk);
    const have = this.fetched.get(key) ?? 0;
    const end = chunk.offset + chunk.bytes.length;
    if (end <= have) return false;
    this.fetched.set(key, end);
    // The feed's own chunk when all of it is new: followers in step share its message.
    const skip = have - chunk.offset;
    const fresh = skip <= 0 ? chunk : { ...chunk, offset: have, bytes: chunk.bytes.subarray(skip) };
    this.queue.push(fresh);
    return true;
  }

  /**
   * The message for queued output. Followers in step (same cursor, no partial character held)
   * turn one chunk of the shared stream into the same message: the first builds it, the rest
   * only move their cursor, and all send the one object (so it is serialised once too).
   */
  private logEvent(chunks: FeedChunk[]): FollowEvent {
    const [only] = chunks;
    if (chunks.length !== 1 || !only || this.partial.has(keyOf(only))) return this.buildLog(chunks);
    const before = this.cursor.toString();
    const newStatus = this.status();
    const shared = sharedLogs.get(only);
    if (shared?.before === before && shared.event.data.newStatus === newStatus) {
      // The same steps from the same place as the follower it was built for: end where it did.
      if (shared.held) this.partial.set(keyOf(only), shared.held);
      this.cursor.moveTo(shared.event.id, only.rank, only.stream, shared.end);
      return shared.event;
    }
    const event = this.buildLog(chunks);
    const end = this.cursor.offsetOf(only.rank, only.stream);
    sharedLogs.set(only, { before, event, end, held: this.partial.get(keyOf(only)) ?? null });
    return event;
  }

  private buildLog(chunks: FeedChunk[]): FollowEvent {
    const byRank = new Map<number, JobsLog>();
    for (const chunk of chunks)
      this.append(byRank, chunk.rank, chunk.stream, this.take(chunk).toString('utf8'));
    return {
      id: this.cursor.toString(),
      data: {
        updates: [],
        log: [...byRank.values()].filter((l) => l.stdout || l.stderr),
        newStatus: this.status(),
      },
    };
  }

  /** Moves the cursor past `chunk`, holding back a character it ends inside; answers the rest. */
  private take(chunk: FeedChunk): Buffer {
    const key = keyOf(chunk);
    const held = this.partial.get(key);
    const buf = held && held.length > 0 ? Buffer.concat([held, chunk.bytes]) : chunk.bytes;
    const complete = completeUtf8Length(buf);
    if (complete < buf.length) this.partial.set(key, buf.subarray(complete));
    else this.partial.delete(key);
    const end = chunk.offset + chunk.bytes.length - (buf.length - complete);
    this.cursor.advance(chunk.rank, chunk.stream, end);
    return buf.subarray(0, complete);
  }

  private flushPartial(): JobsLog[] {
    const byRank = new Map<number, JobsLog>();
    for (const [key, buf] of this.partial) {
      const [rank, stream] = key.split('/') as [string, LogStreamName];
      this.cursor.advance(
        Number(rank),
        stream,
        this.cursor.offsetOf(Number(rank), stream) + buf.length,
      );
      this.append(byRank, Number(rank), stream, buf.toString('utf8'));
    }
    this.partial.clear();
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

/**
 * The message last built from a feed chunk: the id of the follower it was built for before it,
 * and where that follower's stream ended after it (offset, and a split character held back).
 */
const sharedLogs = new WeakMap<
  FeedChunk,
  { before: string; event: FollowEvent; end: number; held: Buffer | null }
>();

const keyOf = (chunk: FeedChunk) => `${chunk.rank}/${chunk.stream}`;

/** A chunk as the provider sends it (base64), decoded. */
function decode(chunk: ProviderLogChunk): FeedChunk {
  return {
    rank: chunk.rank,
    stream: chunk.stream,
    offset: chunk.offset,
    bytes: Buffer.from(chunk.data, 'base64'),
  };
}

/** Resolves with `promise`, or when `signal` aborts (the caller then checks the signal). */
async function untilAborted(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  let onAbort = () => {};
  const aborted = new Promise<void>((resolve) => (onAbort = resolve));
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.race([promise, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
