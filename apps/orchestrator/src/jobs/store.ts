import {
  FINAL_STATES,
  isFinalState,
  JobUpdate,
  type EventCursor,
  type JobIncludeFlags,
  type JobSpecification,
  type JobState,
  type JobUpdateInput,
  type Permission,
  type AclEntity,
  type ProjectRole,
  type ResourceAclEntry,
  type ResourceUpdateAndId,
} from '@ucloud/contracts';
import {
  and,
  asc,
  desc,
  eq,
  gt,
  gte,
  inArray,
  isNull,
  lt,
  lte,
  ne,
  notExists,
  notInArray,
  or,
  Param,
  sql,
  type AnyColumn,
  type SQL,
} from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import { inTransaction, type Db } from '../db/client.js';
import {
  idempotencyKeys,
  jobAcl,
  jobGroupAcl,
  jobLicenses,
  jobs,
  jobUpdates,
  outbox,
  projectGroups,
  providerCursors,
} from '../db/schema.js';
import type { JobRow, UpdateRow } from './job-view.js';
import { decideUpdate } from './state-machine.js';
import { afterTransition, meterOf, nextChargeAt } from '../accounting/metering.js';

export type OutboxKind = (typeof outbox.$inferSelect)['kind'];
export type OutboxRow = typeof outbox.$inferSelect;

export interface NewJob {
  owner: { username: string; project: string | null };
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

/** Whose jobs a browse sees: the personal workspace, or a project as the caller's role allows. */
export type BrowseWorkspace =
  | { username: string; project: null }
  | { username: string; project: string; role: ProjectRole; groups: ReadonlySet<string> };

export interface BrowseQuery {
  workspace: BrowseWorkspace;
  flags: JobIncludeFlags;
  itemsPerPage: number;
  /** Text the job's id, name or application must contain (search). */
  query?: string;
  /** Id of the last job on the previous page. */
  after: number | null;
  /** Jobs to pass over after `after` (the spec's itemsToSkip). */
  skip: number;
  ascending: boolean;
}

export interface ApplyResult {
  /** Jobs whose update was stored (followers must be woken). */
  changed: number[];
  /** Updates refused by the state machine or for unknown jobs, with why. */
  ignored: Array<{ id: string; reason: string }>;
}

const fullUpdate = (u: JobUpdateInput) => JobUpdate.parse(u);
const FINAL = [...FINAL_STATES];

/**
 * All reads and writes of jobs, their updates, the outbox and provider cursors. Every state change
 * is one synchronous transaction; callers notify followers and deliver the outbox after commit.
 */
export class JobStore {
  private readonly prepared: ReturnType<typeof prepareStatements>;

  constructor(private readonly db: Db) {
    this.prepared = prepareStatements(db);
  }

  /**
   * Stores new jobs in IN_QUEUE with their first update and an outbox row asking the provider to
   * start them; with an idempotency key, also the answer a retry will get.
   */
  create(items: NewJob[], now: number, idempotency: IdempotencyRecord | null = null): number[] {
    return inTransaction(this.db, () => {
      const ids = items.map((item) => {
        const spec = item.specification;
        const row = this.prepared.insertJob.get({
          ownerUsername: item.owner.username,
          ownerProject: item.owner.project,
          name: spec.name,
          applicationName: spec.application.name,
          applicationVersion: spec.application.version,
          provider: spec.product.provider,
          productId: spec.product.id,
          productCategory: spec.product.category,
          specification: JSON.stringify(spec),
          timeAllocationMs: item.timeAllocationMs,
          chargePeriodMs: item.chargePeriodMs,
          now,
        })!;
        for (const licenseId of new Set(item.licenseIds))
          this.db.insert(jobLicenses).values({ jobId: row.id, licenseId }).run();
        this.insertUpdate(
          row.id,
          fullUpdate({
            state: 'IN_QUEUE',
            status: 'Your job is now waiting in the queue!',
            timestamp: now,
          }),
          'IN_QUEUE',
        );
        this.prepared.insertCreateRequest.run({
          jobId: row.id,
          provider: spec.product.provider,
          now,
        });
        return row.id;
      });
      if (idempotency) {
        this.db
          .insert(idempotencyKeys)
          .values({ ...idempotency, jobIds: JSON.stringify(ids), createdAt: now })
          .run();
      }
      return ids;
    });
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

  /** The ACL of several jobs: job id → grants to users (personal jobs) and groups (project jobs). */
  aclOf(jobIds: number[]): Map<number, ResourceAclEntry[]> {
    const result = new Map<number, ResourceAclEntry[]>();
    if (jobIds.length === 0) return result;
    const add = (jobId: number, entity: AclEntity, permission: Permission) => {
      const entries = result.get(jobId) ?? [];
      const key = JSON.stringify(entity);
      const entry = entries.find((e) => JSON.stringify(e.entity) === key);
      if (entry) entry.permissions.push(permission);
      else entries.push({ entity, permissions: [permission] });
      result.set(jobId, entries);
    };
    for (const r of this.db.select().from(jobAcl).where(inArray(jobAcl.jobId, jobIds)).all()) {
      add(r.jobId, { type: 'user', username: r.username }, r.permission);
    }
    const groupRows = this.db
      .select({
        jobId: jobGroupAcl.jobId,
        group: jobGroupAcl.groupId,
        projectId: projectGroups.projectId,
        permission: jobGroupAcl.permission,
      })
      .from(jobGroupAcl)
      .innerJoin(projectGroups, eq(projectGroups.id, jobGroupAcl.groupId))
      .where(inArray(jobGroupAcl.jobId, jobIds))
      .all();
    for (const r of groupRows) {
      add(r.jobId, { type: 'project_group', projectId: r.projectId, group: r.group }, r.permission);
    }
    return result;
  }

  /** Replaces the grants of the named entities (deleted first, then added), in one transaction. */
  updateAcl(
    changes: Array<{
      jobId: number;
      added: Array<{ entity: AclEntity; permissions: Array<'READ' | 'EDIT'> }>;
      deleted: AclEntity[];
    }>,
  ): void {
    inTransaction(this.db, () => {
      for (const change of changes) {
        for (const entity of [...change.deleted, ...change.added.map((a) => a.entity)]) {
          if (entity.type === 'user') {
            this.db
              .delete(jobAcl)
              .where(and(eq(jobAcl.jobId, change.jobId), eq(jobAcl.username, entity.username)))
              .run();
          } else {
            this.db
              .delete(jobGroupAcl)
              .where(
                and(eq(jobGroupAcl.jobId, change.jobId), eq(jobGroupAcl.groupId, entity.group)),
              )
              .run();
          }
        }
        for (const { entity, permissions } of change.added) {
          for (const permission of new Set(permissions)) {
            if (entity.type === 'user') {
              this.db
                .insert(jobAcl)
                .values({ jobId: change.jobId, username: entity.username, permission })
                .run();
            } else {
              this.db
                .insert(jobGroupAcl)
                .values({ jobId: change.jobId, groupId: entity.group, permission })
                .run();
            }
          }
        }
      }
    });
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
          notInArray(jobs.state, FINAL),
        ),
      )
      .all();
  }

  get(id: number): JobRow | undefined {
    return this.prepared.job.get({ id });
  }

  updatesOf(jobId: number, afterSeq = 0): UpdateRow[] {
    return this.db
      .select()
      .from(jobUpdates)
      .where(and(eq(jobUpdates.jobId, jobId), gt(jobUpdates.seq, afterSeq)))
      .orderBy(asc(jobUpdates.seq))
      .all();
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
          .orderBy(asc(jobUpdates.seq))
          .all();
    for (const row of rows) {
      const list = result.get(row.jobId) ?? [];
      list.push(row);
      result.set(row.jobId, list);
    }
    return result;
  }

  browse(q: BrowseQuery): JobRow[] {
    const f = q.flags;
    const where: SQL[] = [];
    const list = (v: string) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    if (q.query) {
      const text = q.query.toLowerCase();
      where.push(
        or(
          sql`instr(lower(${jobs.name}), ${text}) > 0`,
          sql`instr(lower(${jobs.applicationName}), ${text}) > 0`,
          sql`cast(${jobs.id} as text) = ${text}`,
        )!,
      );
    }
    if (f.filterApplication) where.push(eq(jobs.applicationName, f.filterApplication));
    if (f.filterState) where.push(eq(jobs.state, f.filterState));
    if (f.filterCreatedBy) where.push(eq(jobs.ownerUsername, f.filterCreatedBy));
    if (f.filterCreatedAfter != null) where.push(gte(jobs.createdAt, f.filterCreatedAfter));
    if (f.filterCreatedBefore != null) where.push(lte(jobs.createdAt, f.filterCreatedBefore));
    if (f.filterProvider) where.push(eq(jobs.provider, f.filterProvider));
    if (f.filterProductId) where.push(eq(jobs.productId, f.filterProductId));
    if (f.filterProductCategory) where.push(eq(jobs.productCategory, f.filterProductCategory));
    if (f.filterProviderIds)
      where.push(inArray(jobs.providerGeneratedId, list(f.filterProviderIds)));
    if (f.filterIds) {
      const ids = list(f.filterIds).map(Number).filter(Number.isSafeInteger);
      where.push(inArray(jobs.id, ids));
    }
    if (f.hideProductId) where.push(ne(jobs.productId, f.hideProductId));
    if (f.hideProductCategory) where.push(ne(jobs.productCategory, f.hideProductCategory));
    if (f.hideProvider) where.push(ne(jobs.provider, f.hideProvider));
    if (q.after !== null) where.push(q.ascending ? gt(jobs.id, q.after) : lt(jobs.id, q.after));
    // Own jobs and jobs shared with the caller are read apart and merged: as one query with an OR,
    // SQLite could no longer walk the owner index in id order and sorted every match instead.
    const page = (scope: SQL) =>
      this.db
        .select()
        .from(jobs)
        .where(and(scope, ...where))
        .orderBy(q.ascending ? asc(jobs.id) : desc(jobs.id))
        .limit(q.itemsPerPage)
        .all();
    const w = q.workspace;
    const scopes: SQL[] = [];
    if (w.project === null) {
      scopes.push(and(eq(jobs.ownerUsername, w.username), isNull(jobs.ownerProject))!);
      const sharedWithMe = this.db
        .select({ id: jobAcl.jobId })
        .from(jobAcl)
        .where(eq(jobAcl.username, w.username));
      scopes.push(and(inArray(jobs.id, sharedWithMe), isNull(jobs.ownerProject))!);
    } else if (w.role !== 'USER') {
      scopes.push(eq(jobs.ownerProject, w.project));
    } else {
      scopes.push(and(eq(jobs.ownerProject, w.project), eq(jobs.ownerUsername, w.username))!);
      const sharedWithMyGroups = this.db
        .select({ id: jobGroupAcl.jobId })
        .from(jobGroupAcl)
        .where(inArray(jobGroupAcl.groupId, [...w.groups]));
      scopes.push(and(inArray(jobs.id, sharedWithMyGroups), eq(jobs.ownerProject, w.project))!);
    }
    const byId = (a: { id: number }, b: { id: number }) =>
      q.ascending ? a.id - b.id : b.id - a.id;
    if (q.skip > 0) {
      // Skipping moves the cursor: the ids of the skipped jobs are enough to find where to start.
      const skipped = scopes
        .flatMap((scope) =>
          this.db
            .select({ id: jobs.id })
            .from(jobs)
            .where(and(scope, ...where))
            .orderBy(q.ascending ? asc(jobs.id) : desc(jobs.id))
            .limit(q.skip)
            .all(),
        )
        .sort(byId);
      if (skipped.length < q.skip) return [];
      const last = skipped[q.skip - 1]!.id;
      where.push(q.ascending ? gt(jobs.id, last) : lt(jobs.id, last));
    }
    return scopes.flatMap(page).sort(byId).slice(0, q.itemsPerPage);
  }

  /**
   * Active jobs of a provider, oldest first. With `delivered`, only jobs whose start the provider
   * has acknowledged (reconciliation must not ask about jobs still in the outbox).
   */
  activeOfProvider(provider: string, after: number, limit: number, delivered = false): JobRow[] {
    const conditions = [
      eq(jobs.provider, provider),
      gt(jobs.id, after),
      notInArray(jobs.state, FINAL),
    ];
    if (delivered) {
      const pendingCreate = this.db
        .select({ id: outbox.id })
        .from(outbox)
        .where(and(eq(outbox.jobId, jobs.id), eq(outbox.kind, 'create')));
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

  /**
   * Applies a provider's updates in one transaction. With a cursor, a batch at or below the stored
   * sequence was already applied (a resend after a lost acknowledgement) and is ignored whole.
   */
  applyProviderUpdates(
    provider: string,
    items: ResourceUpdateAndId[],
    cursor: EventCursor | null,
    now: number,
  ): ApplyResult {
    return inTransaction(this.db, () => {
      const result: ApplyResult = { changed: [], ignored: [] };
      if (cursor) {
        const stored = this.cursorOf(provider, cursor.stream);
        if (stored !== null && BigInt(cursor.seq) <= BigInt(stored.seq)) {
          result.ignored.push(
            ...items.map((i) => ({ id: i.id, reason: `already applied up to ${stored.seq}` })),
          );
          return result;
        }
        this.db
          .insert(providerCursors)
          .values({ provider, stream: cursor.stream, seq: cursor.seq })
          .onConflictDoUpdate({
            target: [providerCursors.provider, providerCursors.stream],
            set: { seq: cursor.seq },
          })
          .run();
      }
      for (const item of items) {
        const id = Number(item.id);
        const job = Number.isSafeInteger(id) ? this.get(id) : undefined;
        if (!job || job.provider !== provider) {
          result.ignored.push({ id: item.id, reason: 'no such job at this provider' });
          continue;
        }
        if (item.providerGeneratedId && item.providerGeneratedId !== job.providerGeneratedId) {
          this.db
            .update(jobs)
            .set({ providerGeneratedId: item.providerGeneratedId })
            .where(eq(jobs.id, job.id))
            .run();
        }
        const reason = this.applyUpdate(job, item.update, now);
        if (reason === null) result.changed.push(job.id);
        else result.ignored.push({ id: item.id, reason });
      }
      return result;
    });
  }

  /** Records an update decided by the orchestrator itself; returns why it was refused, or null. */
  appendSystemUpdate(jobId: number, update: JobUpdateInput, now: number): string | null {
    return inTransaction(this.db, () => {
      const job = this.get(jobId);
      return job ? this.applyUpdate(job, fullUpdate(update), now) : 'no such job';
    });
  }

  /**
   * Adds to a job's time allocation after the provider moved its deadline. Like the spec's
   * example, this records no update: `expiresAt` simply moves.
   */
  extend(jobId: number, byMs: number): void {
    inTransaction(this.db, () => {
      const job = this.get(jobId);
      if (!job || job.timeAllocationMs === null) return;
      this.db
        .update(jobs)
        .set({
          timeAllocationMs: job.timeAllocationMs + byMs,
          expiresAt: job.expiresAt === null ? null : job.expiresAt + byMs,
        })
        .where(eq(jobs.id, jobId))
        .run();
    });
  }

  /** Active jobs whose deadline passed before `before`. */
  overdue(before: number, limit: number): JobRow[] {
    return this.db
      .select()
      .from(jobs)
      .where(and(lt(jobs.expiresAt, before), notInArray(jobs.state, FINAL)))
      .limit(limit)
      .all();
  }

  cursorOf(provider: string, stream: string): EventCursor | null {
    const row = this.db
      .select()
      .from(providerCursors)
      .where(and(eq(providerCursors.provider, provider), eq(providerCursors.stream, stream)))
      .get();
    return row ? { stream: row.stream, seq: row.seq } : null;
  }

  /**
   * Asks the provider to stop a job. A job whose start was never delivered is cancelled right here
   * instead, so it never reaches the provider.
   */
  /**
   * The system ends a job (out of credits, lost permissions): its final update, whatever the
   * provider reports, says "Your job has been terminated (<reason>)".
   */
  terminateBySystem(
    jobId: number,
    reason: string,
    now: number,
  ): 'queued' | 'cancelled' | 'already-ended' {
    return inTransaction(this.db, () => {
      const job = this.get(jobId);
      if (!job || isFinalState(job.state as JobState)) return 'already-ended';
      this.db.update(jobs).set({ terminationReason: reason }).where(eq(jobs.id, jobId)).run();
      return this.requestTerminate(jobId, now);
    });
  }

  /** Jobs that owe a charge at `now`, oldest debt first. */
  dueForCharge(now: number, limit: number): JobRow[] {
    return this.db
      .select()
      .from(jobs)
      .where(lte(jobs.nextChargeAt, now))
      .orderBy(asc(jobs.nextChargeAt))
      .limit(limit)
      .all();
  }

  /** Records how many periods a job has now been charged for and when it next owes one. */
  setCharged(job: JobRow, chargedPeriods: number, now: number): void {
    const next = nextChargeAt({ ...meterOf(job), chargedPeriods }, now);
    this.prepared.setCharged.run({ id: job.id, chargedPeriods, nextChargeAt: next });
  }

  /** Stops charging a job that can no longer pay; it is being terminated. */
  stopCharging(jobId: number): void {
    this.db.update(jobs).set({ nextChargeAt: null }).where(eq(jobs.id, jobId)).run();
  }

  requestTerminate(jobId: number, now: number): 'queued' | 'cancelled' | 'already-ended' {
    return inTransaction(this.db, () => {
      const job = this.get(jobId);
      if (!job || isFinalState(job.state as JobState)) return 'already-ended';
      const pendingCreate = this.db
        .select({ id: outbox.id })
        .from(outbox)
        .where(and(eq(outbox.jobId, jobId), eq(outbox.kind, 'create')))
        .get();
      if (pendingCreate) {
        this.db.delete(outbox).where(eq(outbox.id, pendingCreate.id)).run();
        this.applyUpdate(
          job,
          fullUpdate({ state: 'SUCCESS', status: 'Your job has been cancelled!' }),
          now,
        );
        return 'cancelled';
      }
      const pendingTerminate = this.db
        .select({ id: outbox.id })
        .from(outbox)
        .where(and(eq(outbox.jobId, jobId), eq(outbox.kind, 'terminate')))
        .get();
      if (!pendingTerminate) {
        this.db
          .insert(outbox)
          .values({
            jobId,
            provider: job.provider,
            kind: 'terminate',
            nextAttemptAt: now,
            createdAt: now,
          })
          .run();
      }
      return 'queued';
    });
  }

  /**
   * Outbox rows due now, oldest first, except rows queued behind an earlier row of the same job
   * (a job's calls go out in order) and rows for the providers in `skip`. Rows that are not due
   * never hide later ones, so one provider that is down does not hold back the others.
   */
  dueOutbox(now: number, limit: number, skip: readonly string[] = []): OutboxRow[] {
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

  nextOutboxAttempt(): number | null {
    const row = this.db
      .select({ at: sql<number>`min(${outbox.nextAttemptAt})` })
      .from(outbox)
      .get();
    return row?.at ?? null;
  }

  completeOutbox(ids: number[], providerGeneratedIds: Map<number, string> = new Map()): void {
    inTransaction(this.db, () => {
      this.db.delete(outbox).where(inArray(outbox.id, ids)).run();
      for (const [jobId, pgid] of providerGeneratedIds) {
        this.db.update(jobs).set({ providerGeneratedId: pgid }).where(eq(jobs.id, jobId)).run();
      }
    });
  }

  /**
   * A call to `provider` failed and may succeed later: its rows are tried again at
   * `nextAttemptAt`, and so is every other call to that provider due before then, so a provider
   * that is down is not called again for each of its rows.
   */
  retryOutbox(provider: string, ids: number[], error: string, nextAttemptAt: number): void {
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

  /**
   * The provider refused a call for good: drop it. A refused start fails the job; a stop refused
   * because the provider does not know the job means the job is gone.
   */
  rejectOutbox(row: OutboxRow, why: string, unknownAtProvider: boolean, now: number): void {
    inTransaction(this.db, () => {
      this.db.delete(outbox).where(eq(outbox.id, row.id)).run();
      const job = this.get(row.jobId);
      if (!job) return;
      if (row.kind === 'create') {
        this.applyUpdate(
          job,
          fullUpdate({ state: 'FAILURE', status: `The provider refused to start the job: ${why}` }),
          now,
        );
      } else if (unknownAtProvider) {
        this.applyUpdate(
          job,
          fullUpdate({ state: 'FAILURE', status: 'Your job is no longer available' }),
          now,
        );
      }
    });
  }

  private applyUpdate(job: JobRow, update: JobUpdate, now: number): string | null {
    const decision = decideUpdate(
      { state: job.state as JobState, hasTimeAllocation: job.timeAllocationMs !== null },
      update,
    );
    if (!decision.apply) return decision.reason;
    const next = decision.nextState;
    const entersRunning = next === 'RUNNING' && job.state !== 'RUNNING';
    const final = next === 'SUCCESS' || next === 'FAILURE' || next === 'EXPIRED';
    // Stamped with when it happened on the provider's clock, where it says, so that updates which
    // arrive late (a plugin, gateway or orchestrator was down) do not stretch the time a job ran
    // and is charged for; but never before the job's previous update, nor after now.
    const at = Math.min(now, Math.max(update.timestamp ?? now, job.updatedAt ?? job.createdAt));
    const timeAllocationMs = update.newTimeAllocation ?? job.timeAllocationMs;
    let expiresAt = job.expiresAt;
    // The deadline counts from the first time the job ran; suspending does not move it, extending does.
    if (expiresAt !== null && update.newTimeAllocation !== null)
      expiresAt += update.newTimeAllocation - (job.timeAllocationMs ?? 0);
    if (entersRunning && expiresAt === null && timeAllocationMs !== null)
      expiresAt = at + timeAllocationMs;
    if (final) expiresAt = null;
    const meter = afterTransition(meterOf(job), job.state as JobState, next, at);
    const status =
      final && job.terminationReason !== null
        ? `Your job has been terminated (${job.terminationReason})`
        : update.status;
    this.prepared.transition.run({
      id: job.id,
      state: next,
      runningMs: meter.runningMs,
      runningSince: meter.runningSince,
      nextChargeAt: nextChargeAt(meter, now),
      startedAt: entersRunning ? at : job.startedAt,
      expiresAt,
      timeAllocationMs,
      outputFolder: update.outputFolder ?? job.outputFolder,
      allowRestart: update.allowRestart ?? job.allowRestart,
      updatedAt: at,
    });
    this.insertUpdate(job.id, { ...update, status, timestamp: at }, next);
    return null;
  }

  private insertUpdate(jobId: number, update: JobUpdate, stateAfter: JobState): void {
    this.prepared.insertUpdate.run({ jobId, update: JSON.stringify(update), stateAfter });
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
    insertCreateRequest: db
      .insert(outbox)
      .values({
        jobId: p('jobId'),
        provider: p('provider'),
        kind: 'create',
        nextAttemptAt: p('now'),
        createdAt: p('now'),
      })
      .prepare(),
    job: db
      .select()
      .from(jobs)
      .where(eq(jobs.id, p('id')))
      .prepare(),
    transition: db
      .update(jobs)
      .set(
        placeholders(
          'state',
          'runningMs',
          'runningSince',
          'nextChargeAt',
          'startedAt',
          'expiresAt',
          'timeAllocationMs',
          'outputFolder',
          'allowRestart',
          'updatedAt',
        ),
      )
      .where(eq(jobs.id, p('id')))
      .prepare(),
    setCharged: db
      .update(jobs)
      .set(placeholders('chargedPeriods', 'nextChargeAt'))
      .where(eq(jobs.id, p('id')))
      .prepare(),
  };
}
