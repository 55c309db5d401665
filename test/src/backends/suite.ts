import type { JobSpecificationInput } from '@ucloud/contracts';
import type { ComponentName } from '@ucloud/launcher';
import { beforeAll, describe, expect, it } from 'vitest';
import { acmeBatch, followUntil, stdoutOf, waitForJob, type TestStack } from '../harness.js';
import { ShellClient } from '../shell-client.js';

/** acme-batch (a /bin/sh script) on `product`, and what it prints: for backends that run commands. */
export const acmeBatchOn = (product: Backend['product']) => ({
  batch: (value: string, steps: number, extra: Partial<JobSpecificationInput> = {}) =>
    acmeBatch(value, steps, { product, ...extra }),
  output: (value: string, steps: number) =>
    `acme-batch: value=${value} debug=false\n` +
    Array.from({ length: steps }, (_, i) => `step ${String(i + 1)} of ${String(steps)}\n`).join(
      '',
    ) +
    'done\n',
});

/**
 * An application of the demo catalog that prints `<application>: value=… rank=N of M`, then
 * `line i of n` a line at a time (busybox-batch in a container, vm-batch in a VM), on `product`;
 * and how such a job ends.
 */
export const rankedBatchOn = (application: string, product: Backend['product']) => ({
  batch: (value: string, steps: number, extra: Partial<JobSpecificationInput> = {}) => ({
    application: { name: application, version: '1.0.0' },
    product,
    allowDuplicateJob: true,
    parameters: {
      value: { type: 'text' as const, value },
      lines: { type: 'integer' as const, value: steps },
    },
    ...extra,
  }),
  output: (value: string, steps: number, rank: number, ranks: number) =>
    `${application}: value=${value} rank=${String(rank)} of ${String(ranks)}\n` +
    Array.from({ length: steps }, (_, i) => `line ${String(i + 1)} of ${String(steps)}\n`).join(''),
  exitStatus: (code: number) =>
    new RegExp(`^The job exited with code ${String(code)}( on all \\d+ ranks)?$`),
  expiredStatus: /^Your job has reached its time limit$/,
});

/** What the backend suite needs to know of one backend. */
export interface Backend {
  name: string;
  /** The stack component that is its plugin. */
  plugin: ComponentName;
  /** Why its tests cannot run here (they skip loudly, or fail where the backend is required). */
  unavailable: string | null;
  /** Orchestrator + gateway + this backend's plugin, for the tests of one describe block. */
  useStack(): TestStack;
  product: { id: string; category: string; provider: string };
  /** A batch job printing a first line about `value`, then one line a second for `steps` steps. */
  batch: (
    value: string,
    steps: number,
    extra?: Partial<JobSpecificationInput>,
  ) => JobSpecificationInput;
  /** What that job prints, whole, on rank `rank` of `ranks`. */
  output: (value: string, steps: number, rank: number, ranks: number) => string;
  /** The final status text of a job that exited with `code`. */
  exitStatus(code: number): RegExp;
  /** The final status text of a job stopped at its deadline. */
  expiredStatus: RegExp;
  /** Whether its products declare suspension. */
  suspension: boolean;
  /** The shortest time allocation it enforces, and how long after it the job may still run. */
  shortAllocation: { hours: number; minutes: number; seconds: number };
  expiryWithinMs: number;
}

/**
 * The behaviour every backend owes its users, run once per backend (`npm run test:<backend>` in
 * test/, a turbo task each): a job's lifecycle with its exact output, several ranks, terminate,
 * extend and expiry, suspension where declared, and plugin and gateway killed mid-job.
 */
export function backendSuite(backend: Backend): void {
  describe.skipIf(backend.unavailable !== null)(`the ${backend.name} backend`, () => {
    const stack = backend.useStack();
    const client = stack.client();
    const { batch, output } = backend;
    const create = async (spec: JobSpecificationInput) => {
      const { responses } = await client.jobs.create.mutate({ items: [spec] });
      return responses[0]!.id;
    };
    const state = (id: string, wanted: string, timeoutMs?: number) =>
      waitForJob(client, id, (j) => j.status.state === wanted, timeoutMs);
    let expiring: string;

    beforeAll(async () => {
      // Started first: a backend may enforce deadlines late (Slurm checks every 30 s).
      expiring = await create(batch('overtime', 600, { timeAllocation: backend.shortAllocation }));
    });

    it('runs a job to SUCCESS with its exit code; a follower sees every line, in order', async () => {
      const id = await create(batch('Hello!', 3));
      const events = await followUntil(client, id);
      expect(events.flatMap((e) => e.data.updates.map((u) => u.state))).toEqual([
        'IN_QUEUE',
        'RUNNING',
        'SUCCESS',
      ]);
      expect(stdoutOf(events)).toBe(output('Hello!', 3, 0, 1));
      const job = await client.jobs.retrieve.query({ id });
      expect(job.updates.at(-1)!.status).toMatch(backend.exitStatus(0));
    });

    it('runs two ranks, each with its own output', async () => {
      const id = await create(batch('two ranks', 2, { replicas: 2 }));
      const events = await followUntil(client, id);
      for (const rank of [0, 1])
        expect(stdoutOf(events, rank)).toBe(output('two ranks', 2, rank, 2));
    });

    it('terminates a job: SUCCESS, "Your job has been cancelled!"', async () => {
      const id = await create(batch('terminated', 600));
      await state(id, 'RUNNING');
      await client.jobs.terminate.mutate({ items: [{ id }] });
      const job = await state(id, 'SUCCESS');
      expect(job.updates.at(-1)!.status).toBe('Your job has been cancelled!');
    });

    it('extends a job: its deadline moves by the extension', async () => {
      const hour = { hours: 1, minutes: 0, seconds: 0 };
      const id = await create(batch('extended', 600, { timeAllocation: hour }));
      const before = await state(id, 'RUNNING');
      await client.jobs.extend.mutate({
        items: [{ jobId: id, requestedTime: { hours: 0, minutes: 30, seconds: 0 } }],
      });
      const after = await client.jobs.retrieve.query({ id });
      expect(after.status.expiresAt! - before.status.expiresAt!).toBe(30 * 60_000);
      await client.jobs.terminate.mutate({ items: [{ id }] });
    });

    it.skipIf(!backend.suspension)('suspends a job and resumes it', async () => {
      const id = await create(batch('pausable', 600));
      await state(id, 'RUNNING');
      await client.jobs.suspend.mutate({ items: [{ id }] });
      await state(id, 'SUSPENDED');
      await client.jobs.unsuspend.mutate({ items: [{ id }] });
      await state(id, 'RUNNING');
      await client.jobs.terminate.mutate({ items: [{ id }] });
      const job = await state(id, 'SUCCESS');
      expect(job.updates.map((u) => u.state)).toEqual([
        'IN_QUEUE',
        'RUNNING',
        'SUSPENDED',
        'RUNNING',
        'SUCCESS',
      ]);
    });

    it('opens a shell into rank 1 of two: its rank, a resize, until it exits', async () => {
      const id = await create(batch('shell', 600, { replicas: 2 }));
      await state(id, 'RUNNING');
      const { responses } = await client.jobs.openInteractiveSession.mutate({
        items: [{ id, rank: 1, sessionType: 'SHELL' }],
      });
      const opened = responses[0]!;
      if (opened.session.type !== 'shell') throw new Error(`got a ${opened.session.type} session`);
      const shell = await ShellClient.open(
        opened.providerDomain,
        opened.providerId,
        opened.session.sessionIdentifier,
        { cols: 80, rows: 24 },
      );
      shell.type('echo "rank=$UCLOUD_RANK"; stty size\n');
      await shell.sees(/rank=1\r?\n24 80/);
      shell.clear();
      shell.resize(120, 40);
      shell.type('stty size\n');
      await shell.sees(/40 120/);
      shell.type('exit\n');
      expect(await shell.end()).toMatchObject({ status: 200, code: 1000 });
      await client.jobs.terminate.mutate({ items: [{ id }] });
      await state(id, 'SUCCESS');
    });

    it('loses no update and no line when the plugin and the gateway are SIGKILLed mid-job', async () => {
      const id = await create(batch('survivor', 4));
      // Killed once its first lines are out.
      const firstLines = output('survivor', 4, 0, 1).split('\n').slice(0, 2).join('\n');
      await followUntil(client, id, { until: (e) => stdoutOf(e).startsWith(firstLines) });
      const { plugin } = backend;
      await stack.kill(plugin, 'SIGKILL');
      await stack.kill('gateway', 'SIGKILL');
      await new Promise((r) => setTimeout(r, 2000));
      await stack.start(plugin);
      await stack.start('gateway');
      const events = await followUntil(client, id);
      expect(events.flatMap((e) => e.data.updates.map((u) => u.state))).toEqual([
        'IN_QUEUE',
        'RUNNING',
        'SUCCESS',
      ]);
      expect(stdoutOf(events)).toBe(output('survivor', 4, 0, 1));
    });

    it('ends a job that outruns its allocation EXPIRED', { timeout: 240_000 }, async () => {
      const job = await state(expiring, 'EXPIRED', backend.expiryWithinMs);
      expect(job.updates.map((u) => u.state)).toEqual(['IN_QUEUE', 'RUNNING', 'EXPIRED']);
      expect(job.updates.at(-1)!.status).toMatch(backend.expiredStatus);
    });
  });
}
