import { describe, expect, it } from 'vitest';
import { acmeBatch, errorOf, useStack, waitForJob, type TestStack } from './harness.js';

// One-second accounting minutes, so charging follows running time closely.
const stack = useStack({ env: { orchestrator: { ACCOUNTING_MINUTE_MS: '1000' } } });
const client = stack.client();

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
    // The gateway answers before it has reached its plugin again: 503 until it has.
    for (let tries = 0; ; tries++) {
      const failed = await extend().then(
        () => false,
        () => tries < 50,
      );
      if (!failed) break;
      await new Promise((r) => setTimeout(r, 200));
    }
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

  it('reports a job that ends while the plugin is down with its real end time, and charges that', async () => {
    const { responses } = await client.jobs.create.mutate({ items: [acmeBatch('ends alone', 2)] });
    const id = responses[0]!.id;
    await waitForJob(client, id, (j) => j.status.state === 'RUNNING');
    await stack.kill('native', 'SIGKILL');
    // It ends about 2 s after starting; the plugin only sees that 8 s later.
    await new Promise((r) => setTimeout(r, 8000));
    await stack.start('native');
    const job = await waitForJob(client, id, (j) => j.status.state === 'SUCCESS');
    const [, running, ended] = job.updates;
    const ranMs = ended!.timestamp! - running!.timestamp!;
    // RUNNING is stamped just after the process started, so a little under its 2 s of sleep.
    expect(ranMs).toBeGreaterThanOrEqual(1900);
    expect(ranMs).toBeLessThan(4000);
    // Charged for the seconds it ran, though it looked RUNNING for 8 s more.
    const charged = async () =>
      (await client.accounting.retrieveJobUsage.query({ jobId: id })).periodsCharged;
    // The charger settles on its next round (a second).
    for (let i = 0; i < 50 && (await charged()) !== Math.ceil(ranMs / 1000); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(await charged()).toBe(Math.ceil(ranMs / 1000));
  });

  it('ends open follow streams at once when the orchestrator stops, and a follower resumes where it was', async () => {
    const { responses } = await client.jobs.create.mutate({ items: [acmeBatch('followed', 6)] });
    const id = responses[0]!.id;
    const first = await followSse(stack, id, null, (text) => text.includes('step 1 of 6'));
    // Not a speed test: before, an open stream held the process and the stream for ~45 s.
    const [rest] = await Promise.race([
      Promise.all([first.done, stack.kill('orchestrator', 'SIGTERM')]),
      new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error('stream and orchestrator still open 15 s after SIGTERM')),
          15_000,
        ),
      ),
    ]);
    // The stream said why it ended, so the client knows to come back, and closed.
    expect(rest).toMatch(/event: error\ndata: .*"errorCode":"SERVICE_UNAVAILABLE"/);
    await stack.start('orchestrator');

    const lastId = [...rest.matchAll(/^id: (.+)$/gm)].at(-1)![1]!;
    const resumed = await followSse(stack, id, lastId, (text) => text.includes('"SUCCESS"'));
    const after = await resumed.done;
    const stdout = (text: string) =>
      [...text.matchAll(/^data: (.+)$/gm)]
        .map((m) => JSON.parse(m[1]!) as { log?: Array<{ stdout: string | null }> })
        .flatMap((d) => d.log ?? [])
        .map((l) => l.stdout ?? '')
        .join('');
    // Nothing lost and nothing repeated across the restart.
    expect(stdout(rest) + stdout(after)).toBe(
      'acme-batch: value=followed debug=false\n' +
        [1, 2, 3, 4, 5, 6].map((i) => `step ${i} of 6\n`).join('') +
        'done\n',
    );
  });
});

/**
 * Follows a job over the REST face's Server-Sent Events. `ready` resolves once `until` holds for
 * the text received; `done` with the whole text once the server ends the stream (or, after
 * `until` held for a resumed follow, once the job's final update arrived).
 */
async function followSse(
  stack: TestStack,
  id: string,
  lastEventId: string | null,
  until: (text: string) => boolean,
): Promise<{ done: Promise<string> }> {
  const response = await fetch(`${stack.url}/api/jobs/follow?id=${id}`, {
    headers: {
      authorization: `Bearer ${stack.userToken}`,
      ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
    },
  });
  expect(response.status).toBe(200);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return { done: Promise.resolve(text) };
    text += decoder.decode(value, { stream: true });
    if (until(text)) break;
  }
  return {
    done: (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return text;
        text += decoder.decode(value, { stream: true });
      }
    })(),
  };
}
