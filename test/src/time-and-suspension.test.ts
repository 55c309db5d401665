import { describe, expect, it } from 'vitest';
import {
  acmeBatch,
  errorOf,
  followUntil,
  stdoutOf,
  useStack,
  waitForJob,
  webApp,
} from './harness.js';

const stack = useStack();
const client = stack.client();

const HOUR = 3_600_000;

describe('time allocation', () => {
  it('plays out the spec example "Extending a Job and terminating it early"', async () => {
    const { responses } = await client.jobs.create.mutate({
      items: [
        webApp({ allowDuplicateJob: false, timeAllocation: { hours: 5, minutes: 0, seconds: 0 } }),
      ],
    });
    const id = responses[0]!.id;
    const running = await waitForJob(client, id, (j) => j.status.state === 'RUNNING');
    expect(running.status.expiresAt! - running.status.startedAt!).toBe(5 * HOUR);

    expect(
      await client.jobs.extend.mutate({
        items: [{ jobId: id, requestedTime: { hours: 1, minutes: 0, seconds: 0 } }],
      }),
    ).toEqual({ responses: [{}] });
    const extended = await client.jobs.retrieve.query({
      id,
      includeProduct: false,
      includeOthers: false,
      includeUpdates: false,
      includeSupport: false,
    });
    expect(extended.status.expiresAt! - running.status.expiresAt!).toBe(3_600_000);
    expect(extended.updates.map((u) => u.state)).toEqual(['IN_QUEUE', 'RUNNING']);

    await client.jobs.terminate.mutate({ items: [{ id }] });
    const ended = await waitForJob(client, id, (j) => j.status.state === 'SUCCESS');
    expect(ended.updates.map((u) => [u.state, u.status])).toEqual([
      ['IN_QUEUE', 'Your job is now waiting in the queue!'],
      ['RUNNING', 'Your job is now running!'],
      ['SUCCESS', 'Your job has been cancelled!'],
    ]);
    expect(ended.status.expiresAt).toBeNull();
  });

  it('ends a job EXPIRED when its allocation runs out, on time to within a second', async () => {
    const { responses } = await client.jobs.create.mutate({
      items: [webApp({ timeAllocation: { hours: 0, minutes: 0, seconds: 3 } })],
    });
    const id = responses[0]!.id;
    const running = await waitForJob(client, id, (j) => j.status.state === 'RUNNING');
    const expiresAt = running.status.expiresAt!;
    const ended = await waitForJob(client, id, (j) => j.status.state === 'EXPIRED', 30_000);
    const expiry = ended.updates.at(-1)!;
    expect(expiry.state).toBe('EXPIRED');
    expect(Math.abs(expiry.timestamp! - expiresAt)).toBeLessThan(1000);
  });

  it('refuses to extend a job without a time allocation, naming the item', async () => {
    const { responses } = await client.jobs.create.mutate({ items: [webApp()] });
    const id = responses[0]!.id;
    await waitForJob(client, id, (j) => j.status.state === 'RUNNING');
    const error = await errorOf(
      client.jobs.extend.mutate({
        items: [{ jobId: id, requestedTime: { hours: 1, minutes: 0, seconds: 0 } }],
      }),
    );
    expect(error.data?.code).toBe('BAD_REQUEST');
    expect(error.message).toMatch(/items\[0\]\.jobId: job \d+ has no time allocation/);
    await client.jobs.terminate.mutate({ items: [{ id }] });
  });
});

describe('suspension', () => {
  it('suspends a running job and resumes it to the end', async () => {
    const { responses } = await client.jobs.create.mutate({ items: [acmeBatch('pausable', 6)] });
    const id = responses[0]!.id;
    await waitForJob(client, id, (j) => j.status.state === 'RUNNING');

    await client.jobs.suspend.mutate({ items: [{ id }] });
    await waitForJob(client, id, (j) => j.status.state === 'SUSPENDED');
    const error = await errorOf(client.jobs.suspend.mutate({ items: [{ id }] }));
    expect(error.message).toMatch(/only a RUNNING job can be suspended/);

    await client.jobs.unsuspend.mutate({ items: [{ id }] });
    const events = await followUntil(client, id);
    expect(events.flatMap((e) => e.data.updates.map((u) => u.state))).toEqual([
      'IN_QUEUE',
      'RUNNING',
      'SUSPENDED',
      'RUNNING',
      'SUCCESS',
    ]);
    expect(stdoutOf(events)).toContain('step 6 of 6');
  });

  it('declares what the provider supports per product', async () => {
    const { productsByProvider } = await client.jobs.retrieveProducts.query();
    const [entry] = productsByProvider.example!;
    expect(entry!.product.name).toBe('example-compute');
    expect(entry!.support.native).toMatchObject({
      enabled: true,
      logs: true,
      timeExtension: true,
      suspension: true,
      utilization: true,
    });
  });
});

describe('utilization', () => {
  it("reports the machine's capacity and what running jobs use", async () => {
    const { responses } = await client.jobs.create.mutate({ items: [webApp()] });
    const id = responses[0]!.id;
    await waitForJob(client, id, (j) => j.status.state === 'RUNNING');
    const u = await client.jobs.retrieveUtilization.query({ jobId: id });
    expect(u.capacity.cpu).toBeGreaterThan(0);
    expect(u.capacity.memory).toBeGreaterThan(0);
    expect(u.usedCapacity.cpu).toBeGreaterThanOrEqual(1);
    expect(u.queueStatus.running).toBeGreaterThanOrEqual(1);
    await client.jobs.terminate.mutate({ items: [{ id }] });
  });
});
