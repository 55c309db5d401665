import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as schema from './schema.js';

/** Pages of write-ahead log after which a commit checkpoints (unless done in the background). */
export const CHECKPOINT_PAGES = 10_000;

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

const MIGRATIONS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'drizzle');

/** Opens (creating if needed) the SQLite file and brings its schema up to date. */
export function openDatabase(file: string): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // In WAL, NORMAL loses no commit to a process crash (only to a power cut) and skips an fsync each.
  sqlite.pragma('synchronous = NORMAL');
  // 64 MB of page cache holds the indexes browse walks on a site of a million jobs (default 2 MB).
  sqlite.pragma('cache_size = -65536');
  sqlite.pragma('temp_store = MEMORY');
  // Checkpoint every 40 MB of WAL, not every 4 MB: a charging round rewrites the same index pages
  // as the round before, and a page written many times between checkpoints is copied back once.
  sqlite.pragma(`wal_autocheckpoint = ${CHECKPOINT_PAGES}`);
  reuseStatements(sqlite, STATEMENT_CACHE);
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder: MIGRATIONS });
  return db;
}

/** Statements kept for reuse: the distinct queries the orchestrator builds, with room to spare. */
const STATEMENT_CACHE = 500;

/**
 * Makes `prepare` hand back the statement it made for the same SQL before (the `size` most
 * recently used are kept). drizzle prepares every query it builds, and a browse page builds
 * several: compiling them again cost as much as running them.
 */
function reuseStatements(sqlite: Database.Database, size: number): void {
  const prepare = sqlite.prepare.bind(sqlite);
  const kept = new Map<string, Database.Statement>();
  sqlite.prepare = ((source: string) => {
    let statement = kept.get(source);
    if (statement) {
      kept.delete(source);
      // drizzle reads mapped rows in raw (array) mode; a reuse that wants objects must get them.
      if (statement.reader) statement.raw(false);
    } else {
      statement = prepare(source);
    }
    kept.set(source, statement);
    // A Map iterates in insertion order: its first key is the least recently used.
    for (const oldest of kept.keys()) {
      if (kept.size <= size) break;
      kept.delete(oldest);
    }
    return statement;
  }) as typeof sqlite.prepare;
}

/** A row the schema guarantees (a foreign key, an insert just made); its absence is a broken database. */
export function expectRow<T>(row: T | undefined, what: string): T {
  if (row === undefined) throw new Error(`${what} is missing from the database`);
  return row;
}

const transactionObservers = new WeakMap<Db, (seconds: number) => void>();

/** Tells `observe` how long each outermost transaction of `inTransaction` on `db` took. */
export function observeTransactions(db: Db, observe: (seconds: number) => void): void {
  transactionObservers.set(db, observe);
}

/** Runs `fn` in one synchronous IMMEDIATE transaction (no awaits inside: better-sqlite3 is synchronous). */
export function inTransaction<T>(db: Db, fn: () => T): T {
  // A nested call is a savepoint inside the outer transaction, which is the one timed.
  const observe = db.$client.inTransaction ? undefined : transactionObservers.get(db);
  if (!observe) return db.$client.transaction(fn).immediate();
  const started = performance.now();
  try {
    return db.$client.transaction(fn).immediate();
  } finally {
    observe((performance.now() - started) / 1000);
  }
}
