import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '@ucloud/provider-sdk';
import { afterAll, expect, test } from 'vitest';
import { JobStore } from './job-store.js';

const dir = mkdtempSync(join(tmpdir(), 'slurm-store-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('a database of before schema versions opens at the latest version, its jobs and instance id kept', () => {
  const file = join(dir, 'slurm.db');
  // The tables as the plugin created them before its schema had versions.
  const old = openSqlite(file);
  old.exec(`
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS jobs (
      job_id TEXT PRIMARY KEY, product_id TEXT NOT NULL, product_category TEXT NOT NULL,
      replicas INTEGER NOT NULL, time_allocation_ms INTEGER, slurm_id INTEGER,
      submitted_at INTEGER, reported_state TEXT NOT NULL, cancel_requested_at INTEGER,
      created_at INTEGER NOT NULL, ended_at INTEGER
    );
    CREATE INDEX IF NOT EXISTS jobs_unfinished ON jobs (ended_at, created_at);
    INSERT INTO meta VALUES ('instance_id', 'abc123');
    INSERT INTO jobs (job_id, product_id, product_category, replicas, slurm_id, reported_state, created_at)
      VALUES ('j1', 'p', 'c', 2, 77, 'RUNNING', 1);
  `);
  old.close();

  const store = new JobStore(file);
  expect(store.instanceId).toBe('abc123');
  expect(store.unfinished()).toMatchObject([
    { jobId: 'j1', slurmId: 77, reportedState: 'RUNNING', environment: {} },
  ]);
  store.close();
  const db = openSqlite(file);
  expect(db.pragma('user_version', { simple: true })).toBe(2);
  // Written by a newer plugin: refused rather than used with a schema this code does not know.
  db.pragma('user_version = 3');
  db.close();
  expect(() => new JobStore(file)).toThrow(
    /schema version 3, but this plugin knows versions up to 2/,
  );
});
