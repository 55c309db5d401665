import {
  isFinalState,
  type EventCursor,
  type JobSpecification,
  type JobState,
  type JobUpdate,
} from '@ucloud/contracts';
import {
  and,
  asc,
  eq,
  gt,
  inArray,
  isNull,
  lt,
  lte,
  notExists,
  Param,
  sql,
  type AnyColumn,
  type SQL,
} from 'drizzle-orm';
import type { Db } from '../db/client.js';
import {
  ACTIVE,
  idempotencyKeys,
  JOB_STATES,
  jobLicenses,
  jobs,
  jobUpdates,
  providerCursors,
} from '../db/schema.js';
import type { OutboxStore } from '../outbox/store.js';
import type { JobRow, UpdateRow } from './job-view.js';
import type { JobOwner, MeterColumns } from './ports.js';

export interface NewJob {
  owner: JobOwner;
  specification: JobSpecification;
  timeAllocationMs: number | null;
  /** Null when the product is free to use; 0 when it is charged once (see accounting/metering). */
  chargePeriodMs: number | null;
  /** Licenses the job uses; it runs only while its owner may use them. */
  licenseIds: number[];
}

export interface IdempotencyRecord {
  username: string;
  key: string;
  requestHash: string;
}

/** What a state change writes to the job's row. */
export type TransitionColumns = Pick<
  JobRow,
  | 'state'
  | 'startedAt'
  | 'expiresAt'
  | 'timeAllocationMs'
  | 'outputFolder'
  | 'allowRestart'
  | 'updatedAt'
> &
  MeterColumns;

/** What charging reads of a job: its meter, owner and product, not its specification. */
const CHARGEABLE = {
  id: jobs.id,
  ownerUsername: jobs.ownerUsername,
  ownerProject: jobs.ownerProject,
  provider: jobs.provider,
  productId: jobs.productId,
  productCategory: jobs.productCategory,
  replicas: jobs.replicas,
  chargePeriodMs: jobs.chargePeriodMs,
  chargedPeriods: jobs.chargedPeriods,
  startedAt: jobs.startedAt,
  runningMs: jobs.runningMs,
  runningSince: jobs.runningSince,
};
export type ChargeableJob = Pick<JobRow, keyof typeof CHARGEABLE>;

const ACTIVE_STATES = JOB_STATES.filter((s) => !isFinalState(s));

/**
 * The rows of jobs, their updates, idempotency keys and provider cursors: reads, and the writes
 * that `JobTransitions` (state changes) and the charger compose into their transactions.
 */
export class JobRepository {
  private readonly prepared: ReturnType<typeof prepareStatements>;

  constructor(
    private readonly db: Db,
    private readonly outbox: OutboxStore,
  ) {
    this.prepared = prepareStatements(db);
  }

  /** Inserts a job in IN_QUEUE with its licenses; returns its id. */
  insert(item: NewJob, now: number): number {
    const spec = item.specification;
    const { id } = this.prepared.insertJob.get({
      ownerUsername: item.owner.username,
      ownerProject: item.owner.project,
      name: spec.name,
      applicationName: spec.application.name,
      applicationVersion: spec.application.version,
      provider: spec.product.provider,
      productId: spec.product.id,
      productCategory: spec.product.category,
      specification: JSON.stringify(spec),
      replicas: spec.replicas,
      timeAllocationMs: item.timeAllocationMs,
      chargePeriodMs: item.chargePeriodMs,
      now,
    });
    for (const licenseId of new Set(item.licenseIds))
      this.db.insert(jobLicenses).values({ jobId: id, licenseId }).run();
    return id;
  }

  insertUpdate(jobId: number, update: JobUpdate, stateAfter: JobState): void {
    this.prepared.insertUpdate.run({ jobId, update: JSON.stringify(update), stateAfter });
  }

  /**
   * Writes what a state change changes on the job's row, and only that: SQLite rewrites the entry
   * of every index on a column an UPDATE assigns, changed or not, and most updates a provider sends
   * are status lines that change nothing but `updatedAt`, which no index holds.
   */
  writeTransition(job: JobRow, columns: TransitionColumns): void {
    const changed = (Object.keys(columns) as Array<keyof TransitionColumns>).filter(
      (c) => columns[c] !== job[c],
    );
    if (changed.length > 0) this.prepared.transition(changed).run({ id: job.id, ...columns });
  }

  rememberIdempotent(record: IdempotencyRecord, jobIds: number[], now: number): void {
    this.db
      .insert(idempotencyKeys)
      .values({ ...record, jobIds: JSON.stringify(jobIds), createdAt: now })
      .run();
  }

  /** The answer stored for a create request under this key, if any. */
  findIdempotent(username: string, key: string): { requestHash: string; jobIds: number[] } | null {
    const row = this.db
      .select()
      .from(idempotencyKeys)
      .where(and(eq(idempotencyKeys.username, username), eq(idempotencyKeys.key, key)))
      .get();
    return row
      ? { requestHash: row.requestHash, jobIds: JSON.parse(row.jobIds) as number[] }
      : null;
  }

  /** The caller's active jobs of one application in one workspace: the candidates for being a duplicate. */
  activeOfOwner(
    owner: { username: string; project: string | null },
    application: { name: string; version: string },
  ): JobRow[] {
    return this.db
      .select()
      .from(jobs)
      .where(
        and(
          eq(jobs.ownerUsername, owner.username),
          owner.project === null ? isNull(jobs.ownerProject) : eq(jobs.ownerProject, owner.project),
          eq(jobs.applicationName, application.name),
          eq(jobs.applicationVersion, application.version),
          // Listed rather than "not final", so that the owner+state index is searched, not walked.
          inArray(jobs.state, ACTIVE_STATES),
        ),
      )
      .all();
  }

  get(id: number): JobRow | undefined {
    return this.prepared.job.get({ id });
  }

  updatesOf(jobId: number, afterSeq = 0): UpdateRow[] {
    return this.prepared.updatesOf.all({ jobId, afterSeq });
  }

  /** All updates of several jobs, or only the latest of each. */
  updatesOfMany(jobIds: number[], latestOnly: boolean): Map<number, UpdateRow[]> {
    const result = new Map<number, UpdateRow[]>();
    if (jobIds.length === 0) return result;
    const rows = latestOnly
      ? this.db
          .select()
          .from(jobUpdates)
          .where(
            inArray(
              jobUpdates.seq,
              this.db
                .select({ seq: sql<number>`max(${jobUpdates.seq})` })
                .from(jobUpdates)
                .where(inArray(jobUpdates.jobId, jobIds))
                .groupBy(jobUpdates.jobId),
            ),
          )
          .all()
      : this.db
          .select()
          .from(jobUpdates)
          .where(inArray(jobUpdates.jobId, jobIds))
          // Each job's in order, as its index has them: no sort of the page's updates.
          .orderBy(asc(jobUpdates.jobId), asc(jobUpdates.seq))
          .all();
    for (const row of rows) {
      const list = result.get(row.jobId) ?? [];
      list.push(row);
      result.set(row.jobId, list);
    }
    return result;
  }

  /**
   * Active jobs of a provider, oldest first. With `delivered`, only jobs whose start the provider
   * has acknowledged (reconciliation must not ask about jobs still in the outbox).
   */
  activeOfProvider(provider: string, after: number, limit: number, delivered = false): JobRow[] {
    const conditions = [eq(jobs.provider, provider), gt(jobs.id, after), ACTIVE];
    if (delivered) {
      const pendingCreate = this.outbox.pendingCreateOf(jobs.id);
      conditions.push(notExists(pendingCreate));
    }
    return this.db
      .select()
      .from(jobs)
      .where(and(...conditions))
      .orderBy(asc(jobs.id))
      .limit(limit)
      .all();
  }

  /** Active jobs whose deadline passed before `before`. */
  overdue(before: number, limit: number): JobRow[] {
    return this.db
      .select()
      .from(jobs)
      .where(and(lt(jobs.expiresAt, before), ACTIVE))
      .limit(limit)
      .all();
  }

  /** Jobs that owe a charge at `now`, oldest debt first. */
  dueForCharge(now: number, limit: number): ChargeableJob[] {
    return this.prepared.dueForCharge.all({ now, limit });
  }

  /** How many jobs each provider has in each state (one pass over the provider+state index). */
  countByState(): Array<{ provider: string; state: JobState; jobs: number }> {
    return this.db
      .select({ provider: jobs.provider, state: jobs.state, jobs: sql<number>`count(*)` })
      .from(jobs)
      .groupBy(jobs.provider, jobs.state)
      .all();
  }

  cursorOf(provider: string, stream: string): EventCursor | null {
    const row = this.prepared.cursor.get({ provider, stream });
    return row ? { stream: row.stream, seq: row.seq } : null;
  }

  /** Stores the provider's cursor for an event stream. */
  saveCursor(provider: string, cursor: EventCursor): void {
    this.prepared.saveCursor.run({ provider, stream: cursor.stream, seq: cursor.seq });
  }

  setProviderGeneratedId(jobId: number, providerGeneratedId: string): void {
    this.db.update(jobs).set({ providerGeneratedId }).where(eq(jobs.id, jobId)).run();
  }

  setTerminationReason(jobId: number, reason: string): void {
    this.db.update(jobs).set({ terminationReason: reason }).where(eq(jobs.id, jobId)).run();
  }

  /** Adds to a job's time allocation and moves its deadline with it (no update is recorded). */
  extend(job: JobRow, byMs: number): void {
    if (job.timeAllocationMs === null) return;
    this.db
      .update(jobs)
      .set({
        timeAllocationMs: job.timeAllocationMs + byMs,
        expiresAt: job.expiresAt === null ? null : job.expiresAt + byMs,
      })
      .where(eq(jobs.id, job.id))
      .run();
  }

  /**
   * Records, for each [job id, periods, next charge], how many periods the job has been charged
   * for and when it next owes (null: never). A run of a prepared UPDATE per job costs less than
   * one UPDATE … FROM json_each of them all, which builds, parses and joins the JSON.
   */
  setCharged(rows: Array<[number, number, number | null]>): void {
    for (const [id, periods, next] of rows) this.prepared.setCharged.run(periods, next, id);
  }
}

/**
 * The statements run for every job created, updated or charged, prepared once: building each
 * query with drizzle and preparing it in SQLite again every time was most of a bulk create's cost.
 */
function prepareStatements(db: Db) {
  const p = (name: string) => sql.placeholder(name);
  // update().set() takes SQL, not bare placeholders; the Param keeps the column's encoding.
  const placeholders = <K extends keyof typeof jobs.$inferInsert & keyof typeof jobs>(
    ...columns: K[]
  ) =>
    Object.fromEntries(
      columns.map((c) => [c, sql`${new Param(p(c), jobs[c] as AnyColumn)}`]),
    ) as Record<K, SQL>;
  // One UPDATE per set of columns a change assigns, prepared on first use: a handful of sets occur
  // (a status line, a state change, an extension), so the map stays small.
  const transitions = new Map<string, ReturnType<typeof prepareTransition>>();
  const prepareTransition = (columns: Array<keyof TransitionColumns>) =>
    db
      .update(jobs)
      .set(placeholders(...columns))
      .where(eq(jobs.id, p('id')))
      .prepare();
  return {
    insertJob: db
      .insert(jobs)
      .values({
        ownerUsername: p('ownerUsername'),
        ownerProject: p('ownerProject'),
        name: p('name'),
        applicationName: p('applicationName'),
        applicationVersion: p('applicationVersion'),
        provider: p('provider'),
        productId: p('productId'),
        productCategory: p('productCategory'),
        specification: p('specification'),
        replicas: p('replicas'),
        state: 'IN_QUEUE',
        timeAllocationMs: p('timeAllocationMs'),
        chargePeriodMs: p('chargePeriodMs'),
        createdAt: p('now'),
        updatedAt: p('now'),
      })
      .returning({ id: jobs.id })
      .prepare(),
    insertUpdate: db
      .insert(jobUpdates)
      .values({ jobId: p('jobId'), update: p('update'), stateAfter: p('stateAfter') })
      .prepare(),
    job: db
      .select()
      .from(jobs)
      .where(eq(jobs.id, p('id')))
      .prepare(),
    transition: (columns: Array<keyof TransitionColumns>) => {
      const key = columns.join();
      const statement = transitions.get(key) ?? prepareTransition(columns);
      transitions.set(key, statement);
      return statement;
    },
    updatesOf: db
      .select()
      .from(jobUpdates)
      .where(and(eq(jobUpdates.jobId, p('jobId')), gt(jobUpdates.seq, p('afterSeq'))))
      .orderBy(asc(jobUpdates.seq))
      .prepare(),
    // Read and written with every batch of updates a gateway sends.
    cursor: db
      .select()
      .from(providerCursors)
      .where(
        and(eq(providerCursors.provider, p('provider')), eq(providerCursors.stream, p('stream'))),
      )
      .prepare(),
    saveCursor: db
      .insert(providerCursors)
      .values({ provider: p('provider'), stream: p('stream'), seq: p('seq') })
      .onConflictDoUpdate({
        target: [providerCursors.provider, providerCursors.stream],
        set: { seq: sql`excluded.seq` },
      })
      .prepare(),
    dueForCharge: db
      .select(CHARGEABLE)
      .from(jobs)
      .where(lte(jobs.nextChargeAt, p('now')))
      .orderBy(asc(jobs.nextChargeAt))
      .limit(p('limit'))
      .prepare(),
    setCharged: db.$client.prepare<[number, number | null, number]>(
      `UPDATE jobs SET charged_periods = ?, next_charge_at = ? WHERE id = ?`,
    ),
  };
}
