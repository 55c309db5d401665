import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acmeBatch,
  errorOf,
  startTestStack,
  waitForJob,
  type Client,
  type TestStack,
} from './harness.js';

let stack: TestStack;
let client: Client;

beforeAll(async () => {
  stack = await startTestStack();
  client = stack.client();
});

afterAll(async () => {
  await stack?.dispose();
});

describe('a component killed while a job runs', () => {
  it.each(['gateway', 'orchestrator'] as const)(
    'loses no update when the %s is SIGKILLed and started again',
    async (component) => {
      const { responses } = await client.jobs.create.mutate({
        items: [acmeBatch(`survives ${component}`, 4)],
      });
      const id = responses[0]!.id;
      await waitForJob(client, id, (j) => j.status.state === 'RUNNING');

      await stack.kill(component, 'SIGKILL');
      // The job finishes while the component is down; its end must still arrive.
      await new Promise((r) => setTimeout(r, 5000));
      await stack.start(component);

      const job = await waitForJob(client, id, (j) => j.status.state === 'SUCCESS', 60_000);
      expect(job.updates.map((u) => u.state)).toEqual(['IN_QUEUE', 'RUNNING', 'SUCCESS']);
      expect(job.updates.at(-1)!.status).toMatch(/code 0/);
    },
  );

  it('delivers a job created while the gateway is down once it is back', async () => {
    await stack.kill('gateway', 'SIGKILL');
    const { responses } = await client.jobs.create.mutate({
      items: [acmeBatch('queued while down', 0)],
    });
    const id = responses[0]!.id;
    await new Promise((r) => setTimeout(r, 1000));
    expect((await client.jobs.retrieve.query({ id })).status.state).toBe('IN_QUEUE');
    await stack.start('gateway');
    const job = await waitForJob(client, id, (j) => j.status.state === 'SUCCESS', 60_000);
    expect(job.updates.map((u) => u.state)).toEqual(['IN_QUEUE', 'RUNNING', 'SUCCESS']);
  });

  it('answers 503, never "not supported", for calls its provider must answer while it is down', async () => {
    const { responses } = await client.jobs.create.mutate({
      items: [
        acmeBatch('extend me', 600, { timeAllocation: { hours: 1, minutes: 0, seconds: 0 } }),
      ],
    });
    const id = responses[0]!.id;
    await waitForJob(client, id, (j) => j.status.state === 'RUNNING');
    const extend = () =>
      client.jobs.extend.mutate({
        items: [{ jobId: id, requestedTime: { hours: 1, minutes: 0, seconds: 0 } }],
      });

    // A fresh orchestrator has not heard from the provider what it supports yet.
    await stack.kill('gateway', 'SIGKILL');
    await stack.kill('orchestrator', 'SIGKILL');
    await stack.start('orchestrator');
    const cold = await errorOf(extend());
    expect(cold.data?.httpStatus).toBe(503);
    expect(cold.message).toBe(
      'items[0]: time extension cannot be checked: provider example is unreachable; try again later',
    );

    await stack.start('gateway');
    await extend();
    await stack.kill('gateway', 'SIGKILL');
    // Now it knows the declarations; the call itself cannot be delivered.
    const warm = await errorOf(extend());
    expect(warm.data?.httpStatus).toBe(503);
    expect(warm.message).toMatch(/^items\[0\]: provider example is unreachable/);

    await stack.start('gateway');
    await client.jobs.terminate.mutate({ items: [{ id }] });
    await waitForJob(client, id, (j) => j.status.state === 'SUCCESS');
  });
});
