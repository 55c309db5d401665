import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lifecycleJobsTable, openSqlite } from '@ucloud/provider-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { instanceId, JobStore } from './job-store.js';

const dirs: string[] = [];
const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), 'docker-store-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("the Docker plugin's job store", () => {
  it('keeps what a resumed start and its sessions need (image, command line, environment, peers, web port) across reopening', () => {
    const file = join(fresh(), 'docker.db');
    const store = new JobStore(file);
    store.insert({
      jobId: '7',
      productCategory: 'docker-cpu',
      replicas: 2,
      cpu: 1,
      memoryBytes: 1024,
      image: 'localhost/ucloud/busybox:1',
      argv: ['/bin/sh', '-c', 'echo "$1"', 'x y'],
      environment: { A: 'b c' },
      peers: [{ hostname: 'database', jobId: '4101' }],
      webPort: 8080,
      timeAllocationMs: null,
    });
    store.close();
    const reopened = new JobStore(file);
    expect(reopened.get('7')).toMatchObject({
      phase: 'STARTING',
      image: 'localhost/ucloud/busybox:1',
      argv: ['/bin/sh', '-c', 'echo "$1"', 'x y'],
      environment: { A: 'b c' },
      peers: [{ hostname: 'database', jobId: '4101' }],
      webPort: 8080,
    });
    expect(reopened.unfinished().map((j) => j.jobId)).toEqual(['7']);
    reopened.markEnded('7');
    expect(reopened.unfinished()).toEqual([]);
    reopened.close();
    const db = openSqlite(file);
    expect(db.pragma('user_version', { simple: true })).toBe(3);
    db.close();
  });

  it('opens a database of before peers, its jobs without peers or web port', () => {
    const file = join(fresh(), 'docker.db');
    const db = openSqlite(file);
    db.exec(
      lifecycleJobsTable([
        'image TEXT NOT NULL',
        'argv TEXT NOT NULL',
        'environment TEXT NOT NULL',
      ]),
    );
    db.pragma('user_version = 1');
    db.prepare(
      `INSERT INTO jobs (job_id, product_category, replicas, cpu, memory_bytes, image, argv,
         environment, phase, created_at) VALUES ('1', 'c', 1, 1, 0, 'i', '["true"]', '{}', 'RUNNING', 0)`,
    ).run();
    db.close();
    const store = new JobStore(file);
    expect(store.get('1')).toMatchObject({
      phase: 'RUNNING',
      argv: ['true'],
      peers: [],
      webPort: null,
    });
    store.close();
  });

  it('keeps one instance id per data directory', () => {
    const dir = fresh();
    const id = instanceId(dir);
    expect(id).toMatch(/^[0-9a-f]{12}$/);
    expect(instanceId(dir)).toBe(id);
    expect(instanceId(fresh())).not.toBe(id);
  });
});
