import { randomUUID } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { JobState } from '@ucloud/contracts';
import { type JobEventInput, type JournalEvent } from './backend.js';
import { type Statement } from 'better-sqlite3';
import { openSqlite, type SqliteDatabase } from './sqlite.js';

interface EventRow {
  seq: number;
  job_id: string;
  timestamp: number;
  state: string | null;
  status: string | null;
  expected_state: string | null;
  new_expires_at: number | null;
  provider_generated_id: string | null;
}

const REPLAY_BATCH = 256;

/** A state column: the file is read back as it is found, not as this code would have written it. */
const StoredState = JobState.nullable();

/**
 * The plugin's durable, numbered event log. Sequence numbers come from an AUTOINCREMENT key, so
 * they keep rising across restarts and after acknowledged events are deleted. better-sqlite3 is
 * synchronous: an append is stored before `append` returns (it survives the process being
 * killed), and nothing can interleave between a follower's read and its subscription to the next
 * append. Group commit: appends are not flushed to disk one by one; `follow` flushes the log once
 * before handing out a batch, so no event leaves the plugin before it would survive a crash of
 * the machine, and a burst of events costs one fsync.
 */
export class EventJournal {
  readonly eventStreamId: string;
  private wakers = new Set<() => void>();
  private closed = false;
  /** The highest seq appended, and the highest known to be on disk. */
  private appended = 0;
  private synced = 0;
  /** The fsync under way: appends made meanwhile wait for the next, which covers them all. */
  private syncing: Promise<void> | null = null;
  /** The write-ahead log, opened once: SQLite keeps the file while the database is open. */
  private wal: Promise<FileHandle> | null = null;
  private readonly insert: Statement;
  private readonly selectAfter: Statement<[number, number], EventRow>;
  private readonly selectLast: Statement<[], { seq: number }>;
  private readonly deleteUpTo: Statement<[number]>;

  private constructor(
    private readonly db: SqliteDatabase,
    /** The write-ahead log, whose fsync makes every commit before it durable. */
    private readonly walFile: string,
  ) {
    const streamId = db
      .prepare<[], { value: string }>(
        `SELECT value FROM journal_meta WHERE key = 'event_stream_id'`,
      )
      .get();
    if (streamId === undefined) throw new Error('The event journal has no event_stream_id');
    this.eventStreamId = streamId.value;
    this.insert = db.prepare(
      `INSERT INTO events (job_id, timestamp, state, status, expected_state, new_expires_at, provider_generated_id)
       VALUES (@jobId, @timestamp, @state, @status, @expectedState, @newExpiresAt, @providerGeneratedId)`,
    );
    this.selectAfter = db.prepare(`SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?`);
    // sqlite_sequence keeps the highest seq ever handed out, even when every event was acknowledged.
    this.selectLast = db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'events'`);
    this.deleteUpTo = db.prepare(`DELETE FROM events WHERE seq <= ?`);
    this.appended = this.synced = this.lastSeq();
  }

  /** Opens the journal stored in `file`, creating it (and its stream id) the first time. */
  static open(file: string): EventJournal {
    const db = openSqlite(file);
    // Commits reach the OS at once (a killed process loses nothing); `sync` puts them on disk.
    db.pragma('synchronous = NORMAL');
    db.exec(`
      CREATE TABLE IF NOT EXISTS journal_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        job_id TEXT NOT NULL,
        timestamp INTEGER NOT NULL,
        state TEXT,
        status TEXT,
        expected_state TEXT,
        new_expires_at INTEGER,
        provider_generated_id TEXT
      );
    `);
    db.prepare(`INSERT OR IGNORE INTO journal_meta (key, value) VALUES ('event_stream_id', ?)`).run(
      randomUUID(),
    );
    return new EventJournal(db, `${file}-wal`);
  }

  append(input: JobEventInput): JournalEvent {
    this.requireOpen();
    const event = this.insertOne(input);
    this.wake();
    return event;
  }

  /** Stores several events in one commit: a burst costs one write to the log, not one each. */
  appendMany(inputs: JobEventInput[]): JournalEvent[] {
    this.requireOpen();
    const events = this.db.transaction(() => inputs.map((input) => this.insertOne(input)))();
    this.wake();
    return events;
  }

  private requireOpen(): void {
    if (this.closed) throw new Error('The event journal is closed');
  }

  private insertOne(input: JobEventInput): JournalEvent {
    const now = Date.now();
    // Never in the future: the plugin's own clock is the only one it can vouch for.
    const timestamp = Math.min(now, input.occurredAt ?? now);
    const row = {
      jobId: input.jobId,
      timestamp,
      state: input.state ?? null,
      status: input.status ?? null,
      expectedState: input.expectedState ?? null,
      newExpiresAt: input.newExpiresAt ?? null,
      providerGeneratedId: input.providerGeneratedId ?? null,
    };
    const seq = Number(this.insert.run(row).lastInsertRowid);
    this.appended = seq;
    return { ...row, seq, eventStreamId: this.eventStreamId };
  }

  /** Stored events with seq > afterSeq, oldest first, at most `limit`. */
  readAfter(afterSeq: number, limit = REPLAY_BATCH): JournalEvent[] {
    return this.selectAfter.all(afterSeq, limit).map((r) => ({
      seq: r.seq,
      eventStreamId: this.eventStreamId,
      jobId: r.job_id,
      timestamp: r.timestamp,
      state: StoredState.parse(r.state),
      status: r.status,
      expectedState: StoredState.parse(r.expected_state),
      newExpiresAt: r.new_expires_at,
      providerGeneratedId: r.provider_generated_id,
    }));
  }

  /**
   * Resolves once the events up to `seq` are on disk. One fsync at a time, of the write-ahead log
   * (which holds the commits SQLite has not checkpointed; a checkpoint syncs those it moves),
   * covering everything appended before it began: a burst of events costs one or two.
   */
  async syncUpTo(seq: number): Promise<void> {
    while (this.synced < seq) {
      this.syncing ??= this.fsyncLog().finally(() => (this.syncing = null));
      await this.syncing;
    }
  }

  private async fsyncLog(): Promise<void> {
    const upTo = this.appended;
    // Closing checkpoints the log into the database file, synced, and removes it.
    if (!this.closed) {
      this.wal ??= open(this.walFile, 'r').catch((error: unknown) => {
        this.wal = null; // the next sync tries again
        throw error;
      });
      await (await this.wal).sync();
    }
    this.synced = Math.max(this.synced, upTo);
  }

  /** The highest sequence number handed out so far (0 for a new journal). */
  lastSeq(): number {
    return this.selectLast.get()?.seq ?? 0;
  }

  /** Forgets events up to and including `seq`: the orchestrator has stored them. */
  ack(seq: number): void {
    this.deleteUpTo.run(seq);
  }

  /**
   * Every stored event after `afterSeq`, then each new one as it is appended, in order and without
   * gaps or repeats: the follower only ever reads from its own cursor. Ends when the journal
   * closes or `signal` aborts.
   */
  async *follow(afterSeq: number, signal?: AbortSignal): AsyncGenerator<JournalEvent> {
    let cursor = afterSeq;
    // A function, not the fields themselves: they change while this generator is suspended.
    const stopped = () => this.closed || signal?.aborted === true;
    while (!stopped()) {
      const batch = this.readAfter(cursor);
      if (batch.length === 0) {
        await this.nextAppend(signal);
        continue;
      }
      // Nothing leaves the plugin before it is on disk: one flush for the whole batch.
      await this.syncUpTo(batch.at(-1)?.seq ?? cursor);
      if (stopped()) return;
      for (const event of batch) {
        yield event;
        cursor = event.seq;
        if (stopped()) return;
      }
    }
  }

  /** Ends every follower, then closes the database. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.wake();
    this.db.close();
    void this.wal?.then((log) => log.close()).catch(() => undefined);
  }

  private wake(): void {
    const wakers = this.wakers;
    this.wakers = new Set();
    for (const w of wakers) w();
  }

  private nextAppend(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        signal?.removeEventListener('abort', done);
        this.wakers.delete(done);
        resolve();
      };
      this.wakers.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
