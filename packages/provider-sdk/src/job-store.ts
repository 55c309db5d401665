import { FailedPreconditionError } from './errors.js';
import { openSqlite, type SqliteDatabase } from './sqlite.js';

/**
 * One step of a store's schema: SQL, or a function for what SQL alone cannot say. Steps are
 * listed oldest first and never changed once released; a change to the schema is a new step.
 */
export type Migration = string | ((db: SqliteDatabase) => void);

/** A database written by a newer version of the plugin, whose schema this code does not know. */
export class SchemaTooNewError extends Error {
  constructor(
    readonly file: string,
    readonly version: number,
    readonly known: number,
  ) {
    super(
      `${file} has schema version ${String(version)}, but this plugin knows versions up to ` +
        `${String(known)}: it was written by a newer version of the plugin. Run that version ` +
        `(downgrading the plugin would lose track of its jobs), or move the file away to start over.`,
    );
    this.name = 'SchemaTooNewError';
  }
}

/**
 * Opens a SQLite file (`openSqlite`) and brings its schema up to date: the schema's version is the
 * file's `PRAGMA user_version`, the number of `migrations` applied; those not applied yet run in
 * order, each in a transaction with its version. A file of a newer version than the code knows
 * is refused (SchemaTooNewError), not used with a schema the code does not expect.
 *
 * Databases from before versioning are at version 0 with their tables present: the first
 * migration must accept them (CREATE TABLE IF NOT EXISTS …), so that they open as version 1.
 */
export function openVersionedSqlite(
  file: string,
  migrations: readonly Migration[],
): SqliteDatabase {
  const db = openSqlite(file);
  try {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > migrations.length) throw new SchemaTooNewError(file, version, migrations.length);
    migrations.slice(version).forEach((migration, i) => {
      db.transaction(() => {
        if (typeof migration === 'string') db.exec(migration);
        else migration(db);
        db.pragma(`user_version = ${String(version + i + 1)}`);
      })();
    });
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * What a plugin's job store has in common: a versioned database (`openVersionedSqlite`) with a
 * `jobs` table keyed by `job_id`. A plugin's store extends it with its own rows and updates.
 */
export abstract class JobStoreBase {
  protected readonly db: SqliteDatabase;

  constructor(file: string, migrations: readonly Migration[]) {
    this.db = openVersionedSqlite(file, migrations);
  }

  /** Which of `jobIds` have a record here (for `verify`). */
  known(jobIds: string[]): Set<string> {
    const lookup = this.db.prepare(`SELECT 1 FROM jobs WHERE job_id = ?`).pluck();
    return new Set(jobIds.filter((id) => lookup.get(id) !== undefined));
  }

  close(): void {
    this.db.close();
  }
}

/**
 * Where a job is in its life at a plugin that runs it itself. STARTING covers the moment between
 * recording the job and having launched it; a job found STARTING after a restart was interrupted.
 */
export type JobPhase = 'STARTING' | 'RUNNING' | 'SUSPENDED' | 'ENDED';

/** Why the plugin is stopping a job; decides how its end is reported. */
export type StopReason = 'CANCELLED' | 'EXPIRED';

/** What a plugin that runs jobs itself records of each job, whatever runs it. */
export interface LifecycleJob {
  jobId: string;
  productCategory: string;
  replicas: number;
  /** Per replica. */
  cpu: number;
  memoryBytes: number;
  timeAllocationMs: number | null;
  phase: JobPhase;
  /** When every rank had been started (epoch ms); the time allocation counts from here. */
  startedAt: number | null;
  deadline: number | null;
  stopReason: StopReason | null;
  stopRequestedAt: number | null;
}

/** What is known of a job when it is recorded, before it starts. */
export type NewLifecycleJob = Pick<
  LifecycleJob,
  'jobId' | 'productCategory' | 'replicas' | 'cpu' | 'memoryBytes' | 'timeAllocationMs'
>;

/** A row of the lifecycle columns of `jobs`. */
export interface LifecycleRow {
  job_id: string;
  product_category: string;
  replicas: number;
  cpu: number;
  memory_bytes: number;
  time_allocation_ms: number | null;
  phase: JobPhase;
  started_at: number | null;
  deadline: number | null;
  stop_reason: StopReason | null;
  stop_requested_at: number | null;
}

/** A value a plugin stores in a column of its own. */
export type ColumnValue = string | number | null;

/**
 * The `jobs` table of a lifecycle store, with the plugin's own columns (SQL column definitions)
 * after the common ones, for a plugin's first migration. Released schemas never change: a column
 * added later is a new migration step of the plugin, and this text stays as it is.
 */
export function lifecycleJobsTable(ownColumns: string[] = []): string {
  const own = ownColumns.map((c) => `    ${c},\n`).join('');
  return `
  CREATE TABLE IF NOT EXISTS jobs (
    job_id TEXT PRIMARY KEY,
    product_category TEXT NOT NULL,
    replicas INTEGER NOT NULL,
    cpu REAL NOT NULL,
    memory_bytes INTEGER NOT NULL,
${own}    time_allocation_ms INTEGER,
    phase TEXT NOT NULL,
    started_at INTEGER,
    deadline INTEGER,
    stop_reason TEXT,
    stop_requested_at INTEGER,
    created_at INTEGER NOT NULL,
    ended_at INTEGER
  );
  CREATE INDEX IF NOT EXISTS jobs_by_phase ON jobs (phase);
  `;
}

/**
 * A job store whose `jobs` table has the lifecycle columns (`lifecycleJobsTable`): for plugins
 * that start, stop and time jobs themselves (processes, containers, VMs) rather than hand them to
 * a scheduler. `J` is the plugin's record of a job and `Row` its row; the plugin says in
 * `complete` how its own columns (and tables) complete a job.
 */
export abstract class LifecycleJobStore<
  J extends LifecycleJob = LifecycleJob,
  Row extends LifecycleRow = LifecycleRow,
> extends JobStoreBase {
  /** The plugin's record of a job, from the common fields and its row. */
  protected abstract complete(job: LifecycleJob, row: Row): J;

  get(jobId: string): J | undefined {
    const row = this.db.prepare<[string], Row>(`SELECT * FROM jobs WHERE job_id = ?`).get(jobId);
    return row && this.fromRow(row);
  }

  /** Jobs that have not ended, oldest first. */
  unfinished(): J[] {
    return this.db
      .prepare<[], Row>(`SELECT * FROM jobs WHERE phase != 'ENDED' ORDER BY created_at, job_id`)
      .all()
      .map((row) => this.fromRow(row));
  }

  /**
   * Records a new job as STARTING, with values for the plugin's own columns (`own`, keyed by
   * column name: names come from the plugin's code, never from a request).
   */
  protected insertJob(job: NewLifecycleJob, own: Record<string, ColumnValue> = {}): void {
    const values: Record<string, ColumnValue> = {
      job_id: job.jobId,
      product_category: job.productCategory,
      replicas: job.replicas,
      cpu: job.cpu,
      memory_bytes: job.memoryBytes,
      time_allocation_ms: job.timeAllocationMs,
      phase: 'STARTING',
      created_at: Date.now(),
      ...own,
    };
    const columns = Object.keys(values);
    this.db
      .prepare(
        `INSERT INTO jobs (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
      )
      .run(...Object.values(values));
  }

  markRunning(jobId: string, startedAt: number, deadline: number | null): void {
    this.db
      .prepare(`UPDATE jobs SET phase = 'RUNNING', started_at = ?, deadline = ? WHERE job_id = ?`)
      .run(startedAt, deadline, jobId);
  }

  setPhase(jobId: string, phase: 'RUNNING' | 'SUSPENDED'): void {
    this.db.prepare(`UPDATE jobs SET phase = ? WHERE job_id = ?`).run(phase, jobId);
  }

  setDeadline(jobId: string, deadline: number): void {
    this.db.prepare(`UPDATE jobs SET deadline = ? WHERE job_id = ?`).run(deadline, jobId);
  }

  markStopping(jobId: string, reason: StopReason, at: number): void {
    this.db
      .prepare(`UPDATE jobs SET stop_reason = ?, stop_requested_at = ? WHERE job_id = ?`)
      .run(reason, at, jobId);
  }

  markEnded(jobId: string): void {
    this.db
      .prepare(`UPDATE jobs SET phase = 'ENDED', ended_at = ? WHERE job_id = ?`)
      .run(Date.now(), jobId);
  }

  private fromRow(row: Row): J {
    return this.complete(
      {
        jobId: row.job_id,
        productCategory: row.product_category,
        replicas: row.replicas,
        cpu: row.cpu,
        memoryBytes: row.memory_bytes,
        timeAllocationMs: row.time_allocation_ms,
        phase: row.phase,
        startedAt: row.started_at,
        deadline: row.deadline,
        stopReason: row.stop_reason,
        stopRequestedAt: row.stop_requested_at,
      },
      row,
    );
  }
}

/** The job, if it may still change: not ended and not being stopped (409 otherwise). */
export function requireActive<J extends { phase: JobPhase; stopReason: StopReason | null }>(
  job: J,
  jobId: string,
  verb: string,
): J {
  if (job.phase === 'ENDED')
    throw new FailedPreconditionError(`Job ${jobId} has already ended and cannot be ${verb}`);
  if (job.stopReason !== null)
    throw new FailedPreconditionError(`Job ${jobId} is being stopped and cannot be ${verb}`);
  return job;
}
