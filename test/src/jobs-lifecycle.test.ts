import { describe, expect, it } from 'vitest';
import { acmeBatch, followUntil, stdoutOf, useStack, waitForJob, webApp } from './harness.js';

const stack = useStack();

describe('a job through orchestrator, gateway and native plugin', () => {
  it('runs acme-batch and a follower sees IN_QUEUE, RUNNING, its output, then SUCCESS, in order', async () => {
    const client = stack.client();
    const { responses } = await client.jobs.create.mutate({
      items: [acmeBatch('Hello, World!', 3)],
    });
    const id = responses[0]!.id;

    const events = await followUntil(client, id);

    const states = events.flatMap((e) => e.data.updates.map((u) => u.state));
    expect(states).toEqual(['IN_QUEUE', 'RUNNING', 'SUCCESS']);
    // Each message shows the job as of its updates: not started while still queued.
    const running = events.find((e) => e.data.updates[0]?.state === 'RUNNING')!.data;
    expect(events[0]!.data.newStatus).toMatchObject({ state: 'IN_QUEUE', startedAt: null });
    expect(running.newStatus?.startedAt).toBe(running.updates[0]!.timestamp);
    const kinds = events.map((e) => (e.data.updates.length > 0 ? e.data.updates[0]!.state : 'LOG'));
    const firstLog = kinds.indexOf('LOG');
    expect(firstLog).toBeGreaterThan(kinds.indexOf('RUNNING'));
    expect(kinds.lastIndexOf('LOG')).toBeLessThan(kinds.indexOf('SUCCESS'));
    expect(stdoutOf(events)).toBe(
      'acme-batch: value=Hello, World! debug=false\nstep 1 of 3\nstep 2 of 3\nstep 3 of 3\ndone\n',
    );
    // Event ids only move forward: no replay, no duplicate.
    const ids = events.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);

    const job = await client.jobs.retrieve.query({ id });
    expect(job.status.state).toBe('SUCCESS');
    expect(job.updates.at(-1)!.state).toBe('SUCCESS');
    expect(job.updates.at(-1)!.status).toMatch(/exit(ed)? .*code 0/i);
  });

  it('resumes a follow from the last event id without gap or duplicate', async () => {
    const client = stack.client();
    const { responses } = await client.jobs.create.mutate({ items: [acmeBatch('resume', 4)] });
    const id = responses[0]!.id;
    const firstPart = await followUntil(client, id, {
      until: (events) => stdoutOf(events).includes('step 2 of 4'),
    });
    const rest = await followUntil(client, id, { lastEventId: firstPart.at(-1)!.id });
    const all = [...firstPart, ...rest];
    expect(stdoutOf(all)).toBe(
      'acme-batch: value=resume debug=false\nstep 1 of 4\nstep 2 of 4\nstep 3 of 4\nstep 4 of 4\ndone\n',
    );
    expect(all.flatMap((e) => e.data.updates.map((u) => u.state))).toEqual([
      'IN_QUEUE',
      'RUNNING',
      'SUCCESS',
    ]);
  });

  it('terminates a running job, which ends SUCCESS with the cancellation in its updates', async () => {
    const client = stack.client();
    const { responses } = await client.jobs.create.mutate({ items: [webApp()] });
    const id = responses[0]!.id;
    await followUntil(client, id, { until: (events) => stdoutOf(events).includes('heartbeat 1') });

    await client.jobs.terminate.mutate({ items: [{ id }] });

    const job = await waitForJob(client, id, (j) => j.status.state === 'SUCCESS');
    expect(job.updates.map((u) => u.state)).toEqual(['IN_QUEUE', 'RUNNING', 'SUCCESS']);
    expect(job.updates.at(-1)!.status).toBe('Your job has been cancelled!');
  });

  it('runs one process per replica and tags their output with the rank', async () => {
    const client = stack.client();
    const { responses } = await client.jobs.create.mutate({
      items: [acmeBatch('two ranks', 1, { replicas: 2 })],
    });
    const events = await followUntil(client, responses[0]!.id);
    expect(stdoutOf(events, 0)).toContain('step 1 of 1');
    expect(stdoutOf(events, 1)).toContain('step 1 of 1');
    expect(events.flatMap((e) => e.data.updates.map((u) => u.state))).toEqual([
      'IN_QUEUE',
      'RUNNING',
      'SUCCESS',
    ]);
  });
});
