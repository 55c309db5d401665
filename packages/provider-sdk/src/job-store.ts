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

/**
 * A job store whose `jobs` table also has the lifecycle columns `phase`, `started_at`, `deadline`,
 * `stop_reason`, `stop_requested_at` and `ended_at`: for plugins that start, stop and time jobs
 * themselves (native processes, containers), rather than hand them to a scheduler.
 */
export abstract class LifecycleJobStore extends JobStoreBase {
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
