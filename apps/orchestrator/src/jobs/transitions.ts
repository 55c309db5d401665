import {
  isFinalState,
  JobUpdate,
  type EventCursor,
  type JobUpdateInput,
  type ResourceUpdateAndId,
} from '@ucloud/contracts';
import { inTransaction, type Db } from '../db/client.js';
import type { OutboxRow, OutboxStore } from '../outbox/store.js';
import type { JobRow } from './job-view.js';
import type { JobNotifier } from './notifier.js';
import type { JobMetrics, MeteringHook } from './ports.js';
import type { IdempotencyRecord, JobRepository, NewJob } from './repository.js';
import { decideUpdate } from './state-machine.js';

export interface ApplyResult {
  /** Jobs whose update was stored. */
  changed: number[];
  /** Updates refused by the state machine or for unknown jobs, with why. */
  ignored: Array<{ id: string; reason: string }>;
}

export type TerminateOutcome = 'queued' | 'cancelled' | 'already-ended';

export interface TransitionDeps {
  db: Db;
  jobs: JobRepository;
  outbox: OutboxStore;
  metering: MeteringHook;
  notifier: JobNotifier;
  metrics?: JobMetrics;
}

const fullUpdate = (u: JobUpdateInput) => JobUpdate.parse(u);

/** What the transaction under way changed and queued: acted on once it commits. */
interface PendingEffects {
  changed: Set<number>;
  queued: boolean;
  /** The provider of each job created and of each update stored, for the metrics. */
  created: string[];
  updated: string[];
}

/**
 * The one entry point for changing a job's state, whoever asks: users (create, terminate),
 * providers (updates), and the orchestrator itself (expiry, out of credits, lost licenses,
 * refused calls). Each change is one transaction that checks the transition, writes the update
 * row, the job row and the provider calls it needs to the outbox; after commit, the job's
 * followers are woken and the outbox delivers.
 */
export class JobTransitions {
  private pending: PendingEffects | null = null;
  private readonly queuedListeners: Array<() => void> = [];

  constructor(private readonly deps: TransitionDeps) {}

  /** Calls `listener` after each commit that queued provider calls (the outbox worker wakes). */
  onCallsQueued(listener: () => void): void {
    this.queuedListeners.push(listener);
  }

  /**
   * Runs `fn` in one transaction, then wakes the followers of the jobs it changed and the outbox if
   * it queued calls. A call from inside another joins it: the outermost commit does the waking.
   */
  atomically<T>(fn: () => T): T {
    if (this.pending) return inTransaction(this.deps.db, fn);
    const pending: PendingEffects = {
      changed: new Set(),
      queued: false,
      created: [],
      updated: [],
    };
    this.pending = pending;
    let result: T;
    try {
      result = inTransaction(this.deps.db, fn);
    } finally {
      this.pending = null;
    }
    if (pending.changed.size > 0) this.deps.notifier.notify(pending.changed);
    for (const provider of pending.created) this.deps.metrics?.created(provider);
    for (const provider of pending.updated) this.deps.metrics?.updated(provider);
    if (pending.queued) for (const listener of this.queuedListeners) listener();
    return result;
  }

  /**
   * Stores new jobs in IN_QUEUE with their first update and a call asking the provider to start
   * them; with an idempotency key, also the answer a retry will get.
   */
  create(items: NewJob[], now: number, idempotency: IdempotencyRecord | null = null): number[] {
    // Every job of the request gets the same first update: built once.
    const queued = fullUpdate({
      state: 'IN_QUEUE',
      status: 'Your job is now waiting in the queue!',
      timestamp: now,
    });
    return this.atomically(() => {
      const ids = items.map((item) => {
        const id = this.deps.jobs.insert(item, now);
        this.deps.jobs.insertUpdate(id, queued, 'IN_QUEUE');
        this.enqueue(id, item.specification.product.provider, 'create', now);
        this.pending?.created.push(item.specification.product.provider);
        return id;
      });
      if (idempotency) this.deps.jobs.rememberIdempotent(idempotency, ids, now);
      return ids;
    });
  }

  /**
   * Applies a provider's updates. With a cursor, a batch at or below the stored sequence was
   * already applied (a resend after a lost acknowledgement) and is ignored whole.
   */
  applyProviderUpdates(
    provider: string,
    items: ResourceUpdateAndId[],
    cursor: EventCursor | null,
    now: number,
  ): ApplyResult {
    return this.atomically(() => {
      const result: ApplyResult = { changed: [], ignored: [] };
      if (cursor) {
        const stored = this.deps.jobs.cursorOf(provider, cursor.stream);
        if (stored !== null && BigInt(cursor.seq) <= BigInt(stored.seq)) {
          result.ignored.push(
            ...items.map((i) => ({ id: i.id, reason: `already applied up to ${stored.seq}` })),
          );
          return result;
        }
        this.deps.jobs.saveCursor(provider, cursor);
      }
      for (const item of items) {
        const id = Number(item.id);
        const job = Number.isSafeInteger(id) ? this.deps.jobs.get(id) : undefined;
        if (!job || job.provider !== provider) {
          result.ignored.push({ id: item.id, reason: 'no such job at this provider' });
          continue;
        }
        if (item.providerGeneratedId && item.providerGeneratedId !== job.providerGeneratedId)
          this.deps.jobs.setProviderGeneratedId(job.id, item.providerGeneratedId);
        const reason = this.apply(job, item.update, now);
        if (reason === null) result.changed.push(job.id);
        else result.ignored.push({ id: item.id, reason });
      }
      return result;
    });
  }

  /** Users ask to stop jobs (see `terminate`). */
  requestTerminate(jobIds: number[], now: number): TerminateOutcome[] {
    return this.atomically(() =>
      jobIds.map((id) => {
        const job = this.deps.jobs.get(id);
        return job ? this.terminate(job, now) : 'already-ended';
      }),
    );
  }

  /**
   * The system ends a job (out of credits, lost permissions): its final update, whatever the
   * provider reports, says "Your job has been terminated (<reason>)".
   */
  terminateBySystem(jobId: number, reason: string, now: number): TerminateOutcome {
    return this.atomically(() => {
      const job = this.deps.jobs.get(jobId);
      if (!job || isFinalState(job.state)) return 'already-ended';
      this.deps.jobs.setTerminationReason(jobId, reason);
      return this.terminate({ ...job, terminationReason: reason }, now);
    });
  }

  /** A job outlived its deadline and its provider did not stop it: it ends EXPIRED, and is stopped. */
  expire(jobId: number, now: number): void {
    this.atomically(() => {
      const job = this.deps.jobs.get(jobId);
      if (!job || isFinalState(job.state)) return;
      if (this.terminate(job, now) === 'cancelled') return;
      this.apply(
        job,
        fullUpdate({ state: 'EXPIRED', status: 'Your job has reached its time limit' }),
        now,
      );
    });
  }

  /**
   * A provider refused a call for good: it is dropped. A refused start fails the job; a stop
   * refused because the provider does not know the job means the job is gone.
   */
  refuseCall(call: OutboxRow, why: string, unknownAtProvider: boolean, now: number): void {
    this.atomically(() => {
      this.deps.outbox.remove([call.id]);
      const job = this.deps.jobs.get(call.jobId);
      if (!job) return;
      if (call.kind === 'create') {
        this.apply(
          job,
          fullUpdate({ state: 'FAILURE', status: `The provider refused to start the job: ${why}` }),
          now,
        );
      } else if (unknownAtProvider) {
        this.apply(
          job,
          fullUpdate({ state: 'FAILURE', status: 'Your job is no longer available' }),
          now,
        );
      }
    });
  }

  /**
   * Asks the provider to stop a job. A job whose start was never delivered is cancelled right here
   * instead, so it never reaches the provider.
   */
  private terminate(job: JobRow, now: number): TerminateOutcome {
    if (isFinalState(job.state)) return 'already-ended';
    const pendingStart = this.deps.outbox.pending(job.id, 'create');
    if (pendingStart) {
      this.deps.outbox.remove([pendingStart.id]);
      this.apply(
        job,
        fullUpdate({ state: 'SUCCESS', status: 'Your job has been cancelled!' }),
        now,
      );
      return 'cancelled';
    }
    if (!this.deps.outbox.pending(job.id, 'terminate'))
      this.enqueue(job.id, job.provider, 'terminate', now);
    return 'queued';
  }

  private enqueue(jobId: number, provider: string, kind: OutboxRow['kind'], now: number): void {
    this.deps.outbox.enqueue(jobId, provider, kind, now);
    if (this.pending) this.pending.queued = true;
  }

  /** Checks and writes one update; returns why it was refused, or null. */
  private apply(job: JobRow, update: JobUpdate, now: number): string | null {
    const decision = decideUpdate(
      { state: job.state, hasTimeAllocation: job.timeAllocationMs !== null },
      update,
    );
    if (!decision.apply) return decision.reason;
    const next = decision.nextState;
    const entersRunning = next === 'RUNNING' && job.state !== 'RUNNING';
    const final = isFinalState(next);
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
    const status =
      final && job.terminationReason !== null
        ? `Your job has been terminated (${job.terminationReason})`
        : update.status;
    this.deps.jobs.writeTransition(job, {
      state: next,
      ...this.deps.metering.afterTransition(job, next, at, now),
      startedAt: entersRunning ? at : job.startedAt,
      expiresAt,
      timeAllocationMs,
      outputFolder: update.outputFolder ?? job.outputFolder,
      allowRestart: update.allowRestart ?? job.allowRestart,
      updatedAt: at,
    });
    this.deps.jobs.insertUpdate(job.id, { ...update, status, timestamp: at }, next);
    this.pending?.changed.add(job.id);
    this.pending?.updated.push(job.provider);
    return null;
  }
}
