import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { JobSpecificationInput } from '@ucloud/contracts';
import { QmpClient, queryStatus } from '@ucloud/provider-vm';
import { describe, expect, it } from 'vitest';
import { followUntil, stdoutOf, waitForJob } from './harness.js';
import {
  qemusUnder,
  TEST_DISK_IMAGE,
  useVmStack,
  VM_IMAGE_DIR,
  VM_PRODUCT,
  vmHost,
} from './vm-harness.js';

const host = vmHost();

/** The demo catalog's VM tool, with another image. */
const vmTool = (image: string) => ({
  name: 'busybox-vm',
  version: '1',
  tool: {
    owner: 'ucloud',
    description: {
      info: { name: 'busybox-vm', version: '1' },
      title: 'BusyBox VM',
      backend: 'VIRTUAL_MACHINE',
      image,
      defaultNumberOfNodes: 1,
      defaultTimeAllocation: { hours: 1, minutes: 0, seconds: 0 },
    },
  },
});

/** vm-batch (or a copy of it on another image): its value, then `lines` lines, one a second. */
const vmBatch = (
  value: string,
  lines: number,
  exitCode = 0,
  application = 'vm-batch',
): JobSpecificationInput => ({
  application: { name: application, version: '1.0.0' },
  product: VM_PRODUCT,
  allowDuplicateJob: true,
  parameters: {
    value: { type: 'text', value },
    lines: { type: 'integer', value: lines },
    exitCode: { type: 'integer', value: exitCode },
  },
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!host.ok)('jobs as QEMU VMs (orchestrator + gateway + VM plugin)', () => {
  const stack = useVmStack(host, {
    applications: [
      {
        like: 'vm-batch',
        metadata: { name: 'vm-disk-batch', title: 'VM Batch on a disk' },
        invocation: { tool: vmTool(TEST_DISK_IMAGE) },
      },
      {
        like: 'vm-batch',
        metadata: { name: 'vm-nowhere', title: 'VM Batch from no image' },
        invocation: { tool: vmTool('no-such-image') },
      },
    ],
  });
  const client = stack.client();
  const create = async (spec: JobSpecificationInput) => {
    const { responses } = await client.jobs.create.mutate({ items: [spec] });
    return responses[0]!.id;
  };
  const state = (id: string, wanted: string, timeoutMs = 60_000) =>
    waitForJob(client, id, (j) => j.status.state === wanted, timeoutMs);
  const jobDir = (id: string) => join(stack.dataDir, 'provider-vm', 'jobs', id);
  const consoleOf = (id: string) => readFileSync(join(jobDir(id), 'rank-0.stdout'), 'utf8');
  const lastStatus = async (id: string) =>
    (await client.jobs.retrieve.query({ id, includeUpdates: true })).updates.at(-1)!.status;

  it('boots a disk image through an overlay of its own, the base unwritten', async () => {
    const base = join(VM_IMAGE_DIR, TEST_DISK_IMAGE, 'disk.qcow2');
    const before = statSync(base);
    const id = await create(vmBatch('on disk', 2, 3, 'vm-disk-batch'));
    const events = await followUntil(client, id);
    expect(stdoutOf(events)).toBe(
      'vm-batch: value=on disk rank=0 of 1\nline 1 of 2\nline 2 of 2\n',
    );
    expect(await lastStatus(id)).toBe('The job exited with code 3');
    expect(statSync(base).mtimeMs).toBe(before.mtimeMs);
    expect(qemusUnder(stack.dataDir)).toEqual([]);
  });

  it('refuses a job whose image the provider does not have, naming it', async () => {
    const id = await create(vmBatch('nowhere', 1, 0, 'vm-nowhere'));
    await state(id, 'FAILURE');
    expect(await lastStatus(id)).toContain('Unknown VM image "no-such-image"');
  });

  it('terminates a guest that ignores ACPI power-off: QMP quit after the grace period', async () => {
    const id = await create(vmBatch('stubborn', 600));
    await expect.poll(() => consoleOf(id), { timeout: 30_000 }).toContain('line 1 of 600');
    const asked = Date.now();
    await client.jobs.terminate.mutate({ items: [{ id }] });
    await state(id, 'SUCCESS');
    // busybox's init ignores the ACPI request: only the quit after TERMINATE_GRACE_MS ends it.
    expect(Date.now() - asked).toBeGreaterThanOrEqual(1000);
    expect(await lastStatus(id)).toBe('Your job has been cancelled!');
    expect(qemusUnder(stack.dataDir)).toEqual([]);
  });

  it('suspends a VM: QMP says paused and its output stops; it goes on once resumed', async () => {
    const id = await create(vmBatch('pausable', 600));
    await expect.poll(() => consoleOf(id), { timeout: 30_000 }).toContain('line 1 of 600');
    await client.jobs.suspend.mutate({ items: [{ id }] });
    await state(id, 'SUSPENDED');
    // QEMU serves one QMP client at a time, the plugin: it is killed to let the test ask.
    await stack.kill('vm', 'SIGKILL');
    const qmp = await QmpClient.connect(join(jobDir(id), 'rank-0.qmp'));
    expect(await queryStatus(qmp)).toEqual({ running: false, status: 'paused' });
    const paused = consoleOf(id);
    await sleep(2000);
    expect(consoleOf(id)).toBe(paused);
    await qmp.close();
    await stack.start('vm');

    await client.jobs.unsuspend.mutate({ items: [{ id }] });
    await state(id, 'RUNNING');
    await expect
      .poll(() => consoleOf(id).length, { timeout: 10_000 })
      .toBeGreaterThan(paused.length);
    await client.jobs.terminate.mutate({ items: [{ id }] });
    await state(id, 'SUCCESS');
    expect(qemusUnder(stack.dataDir)).toEqual([]);
  });

  it('reports a job that ended while the plugin was SIGKILLed, with its exit code, leaving no QEMU', async () => {
    const id = await create(vmBatch('unwatched', 2, 2));
    await expect.poll(() => consoleOf(id), { timeout: 30_000 }).toContain('line 1 of 2');
    await stack.kill('vm', 'SIGKILL');
    // The guest powers off by itself, and QEMU exits with it.
    await expect.poll(() => qemusUnder(stack.dataDir), { timeout: 30_000 }).toEqual([]);
    await stack.start('vm');
    await state(id, 'SUCCESS');
    expect(await lastStatus(id)).toBe('The job exited with code 2');
    expect(consoleOf(id)).toBe('vm-batch: value=unwatched rank=0 of 1\nline 1 of 2\nline 2 of 2\n');
  });
});
