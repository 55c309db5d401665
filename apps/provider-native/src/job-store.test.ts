import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '@ucloud/provider-sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { JobStore } from './job-store.js';

const dir = mkdtempSync(join(tmpdir(), 'native-store-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The tables as the plugin created them before its schema had versions. */
const UNVERSIONED = `
  CREATE TABLE IF NOT EXISTS jobs (
    job_id TEXT PRIMARY KEY, product_category TEXT NOT NULL, replicas INTEGER NOT NULL,
    cpu REAL NOT NULL, memory_bytes INTEGER NOT NULL, time_allocation_ms INTEGER,
    phase TEXT NOT NULL, started_at INTEGER, deadline INTEGER, stop_reason TEXT,
    stop_requested_at INTEGER, created_at INTEGER NOT NULL, ended_at INTEGER
  );
  CREATE INDEX IF NOT EXISTS jobs_by_phase ON jobs (phase);
  CREATE TABLE IF NOT EXISTS ranks (
    job_id TEXT NOT NULL REFERENCES jobs (job_id), rank INTEGER NOT NULL, pid INTEGER NOT NULL,
    start_time TEXT NOT NULL, port INTEGER, PRIMARY KEY (job_id, rank)
  );
`;

describe('JobStore', () => {
  it('opens a database of before schema versions at the current version, its running jobs kept', () => {
    const file = join(dir, 'unversioned.db');
    const old = openSqlite(file);
    old.exec(UNVERSIONED);
    old
      .prepare(
        `INSERT INTO jobs (job_id, product_category, replicas, cpu, memory_bytes, phase, started_at, created_at)
         VALUES ('j1', 'cpu', 1, 1, 1024, 'RUNNING', 5, 1)`,
      )
      .run();
    old.prepare(`INSERT INTO ranks VALUES ('j1', 0, 4242, 'st', 8080)`).run();
    old.close();

    const store = new JobStore(file);
    expect(store.unfinished()).toMatchObject([
      {
        jobId: 'j1',
        phase: 'RUNNING',
        startedAt: 5,
        environment: {},
        ranks: [{ rank: 0, pid: 4242, port: 8080 }],
      },
    ]);
    store.close();
    const db = openSqlite(file);
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    db.close();
  });

  it('adds the port column to a database of before web sessions', () => {
    const file = join(dir, 'before-web.db');
    const old = openSqlite(file);
    old.exec(
      UNVERSIONED.replace('start_time TEXT NOT NULL, port INTEGER,', 'start_time TEXT NOT NULL,'),
    );
    old.close();
    const store = new JobStore(file);
    store.insert({
      jobId: 'j',
      productCategory: 'c',
      replicas: 1,
      cpu: 1,
      memoryBytes: 1,
      timeAllocationMs: null,
      environment: { GREETING: 'hello world' },
    });
    store.addRank('j', { rank: 0, pid: 1, startTime: 's' }, 9000);
    expect(store.get('j')?.ranks).toEqual([{ rank: 0, pid: 1, startTime: 's', port: 9000 }]);
    expect(store.get('j')?.environment).toEqual({ GREETING: 'hello world' });
    store.close();
  });

  it('refuses a database written by a newer version of the plugin', () => {
    const file = join(dir, 'newer.db');
    new JobStore(file).close();
    const db = openSqlite(file);
    db.pragma('user_version = 7');
    db.close();
    expect(() => new JobStore(file)).toThrow(
      /schema version 7, but this plugin knows versions up to 2/,
    );
  });
});
