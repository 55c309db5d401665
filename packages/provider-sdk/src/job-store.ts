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
