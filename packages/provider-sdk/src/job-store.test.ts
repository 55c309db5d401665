import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  JobStoreBase,
  openVersionedSqlite,
  SchemaTooNewError,
  type Migration,
} from './job-store.js';

const dirs: string[] = [];
function dbFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'job-store-'));
  dirs.push(dir);
  return join(dir, 'jobs.db');
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const V1 = `CREATE TABLE IF NOT EXISTS jobs (job_id TEXT PRIMARY KEY, name TEXT NOT NULL)`;
const V2 = `ALTER TABLE jobs ADD COLUMN note TEXT NOT NULL DEFAULT ''`;

const version = (file: string) => {
  const db = new Database(file);
  const v = db.pragma('user_version', { simple: true });
  db.close();
  return v;
};

describe('openVersionedSqlite', () => {
  it('applies the migrations in order, once, and records the version', () => {
    const file = dbFile();
    openVersionedSqlite(file, [V1]).close();
    expect(version(file)).toBe(1);
    const db = openVersionedSqlite(file, [V1, V2]);
    db.prepare(`INSERT INTO jobs (job_id, name, note) VALUES ('a', 'x', 'kept')`).run();
    db.close();
    const again = openVersionedSqlite(file, [V1, V2]);
    expect(again.prepare(`SELECT note FROM jobs`).pluck().get()).toBe('kept');
    again.close();
    expect(version(file)).toBe(2);
  });

  it('opens a database from before versioning as version 1, its rows kept', () => {
    const file = dbFile();
    const old = new Database(file);
    old.exec(V1);
    old.prepare(`INSERT INTO jobs VALUES ('a', 'x')`).run();
    old.close();
    const db = openVersionedSqlite(file, [V1, V2]);
    expect(db.prepare(`SELECT job_id, name, note FROM jobs`).all()).toEqual([
      { job_id: 'a', name: 'x', note: '' },
    ]);
    db.close();
    expect(version(file)).toBe(2);
  });

  it('refuses a database of a newer schema than it knows, and leaves it as it was', () => {
    const file = dbFile();
    openVersionedSqlite(file, [V1, V2]).close();
    expect(() => openVersionedSqlite(file, [V1])).toThrow(SchemaTooNewError);
    expect(() => openVersionedSqlite(file, [V1])).toThrow(
      /schema version 2, but this plugin knows versions up to 1: it was written by a newer version/,
    );
    expect(version(file)).toBe(2);
  });

  it('rolls a failing migration back, its version not recorded', () => {
    const file = dbFile();
    const broken: Migration = (db) => {
      db.exec(`CREATE TABLE half (x)`);
      throw new Error('no');
    };
    expect(() => openVersionedSqlite(file, [V1, broken])).toThrow('no');
    expect(version(file)).toBe(1);
    const db = openVersionedSqlite(file, [V1, `CREATE TABLE half (x)`]);
    db.close();
  });
});

describe('JobStoreBase', () => {
  class Store extends JobStoreBase {
    add(jobId: string) {
      this.db.prepare(`INSERT INTO jobs (job_id, name) VALUES (?, 'n')`).run(jobId);
    }
  }

  it('answers which jobs it knows', () => {
    const store = new Store(dbFile(), [V1]);
    store.add('a');
    expect(store.known(['a', 'b'])).toEqual(new Set(['a']));
    store.close();
  });
});
