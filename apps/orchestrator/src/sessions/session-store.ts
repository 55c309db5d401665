import { and, desc, eq, gt, inArray, isNotNull, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import { expectRow, inTransaction, type Db } from '../db/client.js';
import { interactiveSessions, jobs } from '../db/schema.js';
import type { JobRow } from '../jobs/job-view.js';

export type SessionRow = typeof interactiveSessions.$inferSelect;
export type NewSession = Omit<SessionRow, 'id' | 'connectedAt' | 'closedAt' | 'closeReason'>;

/** A session with the job it is bound to, as the rules decide on both. */
export interface SessionAndJob {
  session: SessionRow;
  job: JobRow;
}

/** The `interactive_sessions` table. */
export class SessionStore {
  constructor(private readonly db: Db) {}

  insert(session: NewSession): number {
    const row = this.db
      .insert(interactiveSessions)
      .values(session)
      .returning({ id: interactiveSessions.id })
      .get();
    return expectRow(row, 'the new session').id;
  }

  byTicketHash(ticketHash: string): SessionAndJob | undefined {
    return this.withJobs(eq(interactiveSessions.ticketHash, ticketHash))[0];
  }

  /** The sessions of `provider` among `ids` (one read however many: gateways ask every second). */
  ofProvider(provider: string, ids: number[]): SessionAndJob[] {
    if (ids.length === 0) return [];
    return this.withJobs(
      and(eq(interactiveSessions.provider, provider), inArray(interactiveSessions.id, ids)),
    );
  }

  /** Marks the session connected; false when it already was (its ticket is spent) or closed. */
  connect(id: number, at: number): boolean {
    const { changes } = this.db
      .update(interactiveSessions)
      .set({ connectedAt: at })
      .where(
        and(
          eq(interactiveSessions.id, id),
          isNull(interactiveSessions.connectedAt),
          isNull(interactiveSessions.closedAt),
        ),
      )
      .run();
    return changes === 1;
  }

  /** Records sessions of `provider` as closed; the first report of each is the one kept. */
  close(provider: string, items: Array<{ id: number; reason: string }>, at: number): void {
    inTransaction(this.db, () => {
      for (const { id, reason } of items) {
        this.db
          .update(interactiveSessions)
          .set({ closedAt: at, closeReason: reason })
          .where(
            and(
              eq(interactiveSessions.id, id),
              eq(interactiveSessions.provider, provider),
              isNull(interactiveSessions.closedAt),
            ),
          )
          .run();
      }
    });
  }

  /** Sessions connected and not closed, per provider and type. */
  openCounts(): Array<{ provider: string; type: string; sessions: number }> {
    return this.db
      .select({
        provider: interactiveSessions.provider,
        type: interactiveSessions.sessionType,
        sessions: sql<number>`count(*)`,
      })
      .from(interactiveSessions)
      .where(and(isNotNull(interactiveSessions.connectedAt), isNull(interactiveSessions.closedAt)))
      .groupBy(interactiveSessions.provider, interactiveSessions.sessionType)
      .all();
  }

  /**
   * Sessions newest first, below the id `before` if given; with `openAt`, only those not closed
   * whose ticket was redeemed or may still be at that time.
   */
  page(options: { openAt: number | null; before: number | null; limit: number }): SessionRow[] {
    const { openAt, before, limit } = options;
    const conditions: Array<SQL | undefined> = [
      before === null ? undefined : lt(interactiveSessions.id, before),
      openAt === null
        ? undefined
        : and(
            isNull(interactiveSessions.closedAt),
            or(
              isNotNull(interactiveSessions.connectedAt),
              gt(interactiveSessions.expiresAt, openAt),
            ),
          ),
    ];
    return this.db
      .select()
      .from(interactiveSessions)
      .where(and(...conditions))
      .orderBy(desc(interactiveSessions.id))
      .limit(limit)
      .all();
  }

  private withJobs(where: SQL | undefined): SessionAndJob[] {
    return this.db
      .select({ session: interactiveSessions, job: jobs })
      .from(interactiveSessions)
      .innerJoin(jobs, eq(jobs.id, interactiveSessions.jobId))
      .where(where)
      .all();
  }
}
