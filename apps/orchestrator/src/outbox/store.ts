import {
  and,
  asc,
  eq,
  inArray,
  lt,
  lte,
  notExists,
  notInArray,
  sql,
  type SQLWrapper,
} from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import { inTransaction, type Db } from '../db/client.js';
import { outbox } from '../db/schema.js';

export type OutboxKind = (typeof outbox.$inferSelect)['kind'];
export type OutboxRow = typeof outbox.$inferSelect;

/**
 * The outbox's rows: calls to providers that a transaction decided on, kept until the provider
 * acknowledges them. Writers enqueue inside their own transaction (better-sqlite3 nests them), so
 * a state change and the call it needs commit together; `OutboxWorker` delivers them.
 */
export class OutboxStore {
  private readonly insert;
  /**
   * Until when each provider found down is left alone (see `retry`): calls queued for it meanwhile
   * wait as long as the calls that failed, rather than each being tried, failing, and pushing every
   * other call of the provider back once more, which made a down provider cost a write of its whole
   * queue per job created.
   */
  private readonly restingUntil = new Map<string, number>();

  constructor(private readonly db: Db) {
    const p = (name: string) => sql.placeholder(name);
    // Prepared once: every job created enqueues its start.
    this.insert = db
      .insert(outbox)
      .values({
        jobId: p('jobId'),
        provider: p('provider'),
        kind: p('kind'),
        nextAttemptAt: p('due'),
        createdAt: p('now'),
      })
      .prepare();
  }

  enqueue(jobId: number, provider: string, kind: OutboxKind, now: number): void {
    const due = Math.max(now, this.restingUntil.get(provider) ?? 0);
    this.insert.run({ jobId, provider, kind, now, due });
  }

  /** The job's call of this kind still waiting for delivery, if any. */
  pending(jobId: number, kind: OutboxKind): OutboxRow | undefined {
    return this.db
      .select()
      .from(outbox)
      .where(and(eq(outbox.jobId, jobId), eq(outbox.kind, kind)))
      .get();
  }

  remove(ids: number[]): void {
    this.db.delete(outbox).where(inArray(outbox.id, ids)).run();
  }

  /**
   * Rows due now, oldest first, except rows queued behind an earlier row of the same job (a job's
   * calls go out in order) and rows for the providers in `skip`. Rows that are not due never hide
   * later ones, so one provider that is down does not hold back the others.
   */
  due(now: number, limit: number, skip: readonly string[] = []): OutboxRow[] {
    const earlier = alias(outbox, 'earlier');
    return this.db
      .select()
      .from(outbox)
      .where(
        and(
          lte(outbox.nextAttemptAt, now),
          skip.length > 0 ? notInArray(outbox.provider, [...skip]) : undefined,
          notExists(
            this.db
              .select({ id: earlier.id })
              .from(earlier)
              .where(and(eq(earlier.jobId, outbox.jobId), lt(earlier.id, outbox.id))),
          ),
        ),
      )
      .orderBy(asc(outbox.id))
      .limit(limit)
      .all();
  }

  /** Calls waiting per provider, and when the oldest was queued. */
  depth(): Array<{ provider: string; calls: number; oldestAt: number }> {
    return this.db
      .select({
        provider: outbox.provider,
        calls: sql<number>`count(*)`,
        oldestAt: sql<number>`min(${outbox.createdAt})`,
      })
      .from(outbox)
      .groupBy(outbox.provider)
      .all();
  }

  /** When the earliest row is due; null when the outbox is empty. */
  nextAttempt(): number | null {
    const row = this.db
      .select({ at: sql<number | null>`min(${outbox.nextAttemptAt})` })
      .from(outbox)
      .get();
    return row?.at ?? null;
  }

  /**
   * A call to `provider` failed and may succeed later: its rows are tried again at
   * `nextAttemptAt`, and so is every other call to that provider due before then or queued until
   * then, so a provider that is down is not called again for each of its rows.
   */
  retry(provider: string, ids: number[], error: string, nextAttemptAt: number): void {
    this.restingUntil.set(provider, nextAttemptAt);
    inTransaction(this.db, () => {
      this.db
        .update(outbox)
        .set({
          attempts: sql`${outbox.attempts} + 1`,
          lastError: error.slice(0, 1000),
          nextAttemptAt,
        })
        .where(inArray(outbox.id, ids))
        .run();
      this.db
        .update(outbox)
        .set({ nextAttemptAt })
        .where(and(eq(outbox.provider, provider), lt(outbox.nextAttemptAt, nextAttemptAt)))
        .run();
    });
  }

  /** A subquery for "the job's start has not been delivered yet", for reads that must skip those. */
  pendingCreateOf(jobIdColumn: SQLWrapper) {
    return this.db
      .select({ id: outbox.id })
      .from(outbox)
      .where(and(eq(outbox.jobId, jobIdColumn), eq(outbox.kind, 'create')));
  }
}
