import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JobStore, type NewJob } from './job-store.js';

const dir = mkdtempSync(join(tmpdir(), 'vm-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const job: NewJob = {
  jobId: '7',
  productCategory: 'vm-cpu',
  replicas: 2,
  cpu: 1,
  memoryBytes: 1024 ** 3,
  timeAllocationMs: null,
  image: 'busybox',
  argv: ['/bin/sh', '-c', 'echo "$1"', 'x y'],
  environment: { A: 'b c' },
  vncPasswords: ['abcdefgh', '12345678'],
};

describe("the VM plugin's job store", () => {
  it('keeps what a job was started with, its VNC passwords included, across a reopen', () => {
    const file = join(dir, 'vm.db');
    const store = new JobStore(file);
    store.insert(job);
    store.close();
    const reopened = new JobStore(file);
    const { jobId, image, argv, environment, vncPasswords } = job;
    expect(reopened.get(jobId)).toMatchObject({ phase: 'STARTING', image, argv, environment });
    expect(reopened.get(jobId)?.vncPasswords).toEqual(vncPasswords);
    reopened.close();
  });
});
