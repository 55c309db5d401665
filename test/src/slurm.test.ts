import { describe, expect, it } from 'vitest';
import { acmeBatch, followUntil, stdoutOf, waitForJob } from './harness.js';
import { SLURM_PRODUCT, slurmCluster, useSlurmStack } from './slurm-harness.js';

const cluster = await slurmCluster();

/** acme-batch on the Slurm product: prints its value, then one line per one-second step. */
const batch = (value: string, steps: number, extra: Parameters<typeof acmeBatch>[2] = {}) =>
  acmeBatch(value, steps, { product: SLURM_PRODUCT, ...extra });

const stderrOf = (events: Awaited<ReturnType<typeof followUntil>>, rank: number) =>
  events
    .flatMap((e) => e.data.log)
    .filter((l) => l.rank === rank)
    .map((l) => l.stderr ?? '')
    .join('');

describe.skipIf(!cluster.ok)(
  'jobs as real Slurm jobs (orchestrator + gateway + Slurm plugin)',
  () => {
    const stack = useSlurmStack(cluster);
    const client = stack.client();

    const create = async (spec: ReturnType<typeof batch>) => {
      const { responses } = await client.jobs.create.mutate({ items: [spec] });
      return responses[0]!.id;
    };
    const running = (id: string) => waitForJob(client, id, (j) => j.status.state === 'RUNNING');
    /** The job's Slurm state as squeue shows it; empty once Slurm no longer runs or queues it. */
    const squeueState = async (slurmId: string) =>
      (await stack.slurm('squeue', '-h', '-j', slurmId, '-o', '%T')).trim();

    it('runs a job as a Slurm job, visible in squeue while it runs; its output arrives through follow; it ends SUCCESS', async () => {
      const id = await create(batch('Hello, Slurm!', 3));
      const job = await running(id);
      const [queued, started] = job.updates;
      console.log(`create → RUNNING through Slurm: ${started!.timestamp! - queued!.timestamp!} ms`);
      const slurmId = job.providerGeneratedId!;
      expect(slurmId).toMatch(/^\d+$/);
      expect(await squeueState(slurmId)).toBe('RUNNING');
      expect((await stack.slurm('squeue', '-h', '-j', slurmId, '-o', '%j')).trim()).toBe(
        `ucloud-${id}`,
      );

      const events = await followUntil(client, id);
      expect(stdoutOf(events)).toBe(
        'acme-batch: value=Hello, Slurm! debug=false\nstep 1 of 3\nstep 2 of 3\nstep 3 of 3\ndone\n',
      );
      const ended = await client.jobs.retrieve.query({ id, includeUpdates: true });
      expect(ended.updates.map((u) => u.state)).toEqual(['IN_QUEUE', 'RUNNING', 'SUCCESS']);
      expect(ended.updates.at(-1)!.status).toBe(
        `The job exited with code 0 (Slurm job ${slurmId}: COMPLETED)`,
      );
      expect(await squeueState(slurmId)).toBe('');
    });

    it('resumes a follow by byte offset: the rest of the output, no replay', async () => {
      const id = await create(batch('resume', 4));
      const first = await followUntil(client, id, {
        until: (events) => stdoutOf(events).includes('step 2 of 4'),
      });
      const rest = await followUntil(client, id, { lastEventId: first.at(-1)!.id });
      expect(stdoutOf(rest)).not.toContain('step 1 of 4');
      expect(stdoutOf([...first, ...rest])).toBe(
        'acme-batch: value=resume debug=false\nstep 1 of 4\nstep 2 of 4\nstep 3 of 4\nstep 4 of 4\ndone\n',
      );
    });

    it('runs two replicas as two Slurm tasks, each rank with its own logs', async () => {
      const id = await create(
        batch('two ranks', 2, { replicas: 2, parameters: twoRankParameters() }),
      );
      const job = await running(id);
      const shown = await stack.slurm('scontrol', '-o', 'show', 'job', job.providerGeneratedId!);
      expect(shown).toMatch(/ NumTasks=2 /);
      const events = await followUntil(client, id);
      for (const rank of [0, 1]) {
        expect(stdoutOf(events, rank)).toBe(
          'acme-batch: value=two ranks debug=true\nstep 1 of 2\nstep 2 of 2\ndone\n',
        );
        // UCLOUD_RANK is the Slurm task's rank.
        expect(stderrOf(events, rank)).toBe(
          `debug: rank ${rank} step 1\ndebug: rank ${rank} step 2\n`,
        );
      }
    });

    it('terminates a job: scancel, SUCCESS "cancelled", and it is gone from Slurm', async () => {
      const id = await create(batch('to be terminated', 600));
      const slurmId = (await running(id)).providerGeneratedId!;

      await client.jobs.terminate.mutate({ items: [{ id }] });

      const ended = await waitForJob(client, id, (j) => j.status.state === 'SUCCESS');
      expect(ended.updates.at(-1)!.status).toBe('Your job has been cancelled!');
      expect(await squeueState(slurmId)).toBe('');
      const final = await stack.slurm('squeue', '-h', '-t', 'all', '-j', slurmId, '-o', '%T');
      expect(final.trim()).toBe('CANCELLED');
    });

    it('extends a job: Slurm TimeLimit grows and the deadline moves', async () => {
      const id = await create(
        batch('extended', 600, { timeAllocation: { hours: 1, minutes: 0, seconds: 0 } }),
      );
      const before = await running(id);
      const slurmId = before.providerGeneratedId!;
      const limit = async () =>
        (await stack.slurm('squeue', '-h', '-j', slurmId, '-o', '%l')).trim();
      expect(await limit()).toBe('1:00:00');

      await client.jobs.extend.mutate({
        items: [{ jobId: id, requestedTime: { hours: 0, minutes: 30, seconds: 0 } }],
      });

      expect(await limit()).toBe('1:30:00');
      const after = await client.jobs.retrieve.query({ id });
      expect(after.status.expiresAt! - before.status.expiresAt!).toBe(30 * 60_000);
      await client.jobs.terminate.mutate({ items: [{ id }] });
    });

    it('suspends and resumes a job with scontrol', async () => {
      const id = await create(batch('pausable', 600));
      const slurmId = (await running(id)).providerGeneratedId!;

      await client.jobs.suspend.mutate({ items: [{ id }] });
      await waitForJob(client, id, (j) => j.status.state === 'SUSPENDED');
      expect(await squeueState(slurmId)).toBe('SUSPENDED');

      await client.jobs.unsuspend.mutate({ items: [{ id }] });
      await running(id);
      expect(await squeueState(slurmId)).toBe('RUNNING');
      await client.jobs.terminate.mutate({ items: [{ id }] });
      const ended = await waitForJob(client, id, (j) => j.status.state === 'SUCCESS');
      expect(ended.updates.map((u) => u.state)).toEqual([
        'IN_QUEUE',
        'RUNNING',
        'SUSPENDED',
        'RUNNING',
        'SUCCESS',
      ]);
    });

    it("reports the cluster's use from sinfo and squeue", async () => {
      const id = await create(batch('measured', 600));
      await running(id);
      const utilization = await client.jobs.retrieveUtilization.query({ jobId: id });
      const [cpus, memoryMb] = (await stack.slurm('sinfo', '-h', '-p', 'batch', '-o', '%C %m'))
        .trim()
        .split(' ');
      const totalCpus = Number(cpus!.split('/')[3]);
      expect(utilization.capacity).toEqual({
        cpu: totalCpus,
        memory: Number(memoryMb) * 1024 ** 2,
      });
      // At least this job holds a CPU and 1 GiB; others may share the cluster.
      expect(utilization.usedCapacity.cpu).toBeGreaterThanOrEqual(1);
      expect(utilization.usedCapacity.cpu).toBeLessThanOrEqual(totalCpus);
      expect(utilization.usedCapacity.memory).toBeGreaterThanOrEqual(1024 ** 3);
      expect(utilization.queueStatus.running).toBeGreaterThanOrEqual(1);
      await client.jobs.terminate.mutate({ items: [{ id }] });
    });

    it('reports a job cancelled with plain scancel, outside UCloud, saying so', async () => {
      const id = await create(batch('cancelled by an admin', 600));
      const slurmId = (await running(id)).providerGeneratedId!;

      await stack.slurm('scancel', slurmId);

      const ended = await waitForJob(client, id, (j) => j.status.state === 'SUCCESS');
      expect(ended.updates.at(-1)!.status).toBe(
        `Slurm job ${slurmId} was cancelled outside UCloud (e.g. with scancel)`,
      );
    });

    it('re-attaches after a plugin restart and reports the end it missed', async () => {
      const id = await create(batch('while away', 2));
      const slurmId = (await running(id)).providerGeneratedId!;
      await stack.kill('slurm');
      const deadline = Date.now() + 30_000;
      while ((await squeueState(slurmId)) !== '' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
      }

      await stack.start('slurm');

      const ended = await waitForJob(client, id, (j) => j.status.state === 'SUCCESS');
      expect(ended.updates.at(-1)!.status).toBe(
        `The job exited with code 0 (Slurm job ${slurmId}: COMPLETED)`,
      );
      const events = await followUntil(client, id);
      expect(stdoutOf(events)).toContain('step 2 of 2\ndone\n');
    });

    it('loses no update when the Slurm plugin and the gateway are killed while jobs run', async () => {
      // Two jobs end while both are down, one is cancelled outside UCloud meanwhile, one outlives the outage.
      const ids = {
        endsA: await create(batch('ends while down A', 2)),
        endsB: await create(batch('ends while down B', 2)),
        cancelled: await create(batch('cancelled while down', 600)),
        outlives: await create(batch('outlives the outage', 20)),
      };
      const slurmIds: Record<string, string> = {};
      for (const [name, id] of Object.entries(ids)) {
        slurmIds[name] = (await running(id)).providerGeneratedId!;
      }

      await stack.kill('slurm', 'SIGKILL');
      await stack.kill('gateway', 'SIGKILL');
      await stack.slurm('scancel', slurmIds.cancelled!);
      const deadline = Date.now() + 30_000;
      const gone = async (name: string) => (await squeueState(slurmIds[name]!)) === '';
      while (!((await gone('endsA')) && (await gone('endsB')) && (await gone('cancelled')))) {
        if (Date.now() > deadline) throw new Error('the short jobs did not end in Slurm');
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(await squeueState(slurmIds.outlives!)).toBe('RUNNING');

      await stack.start('slurm');
      await stack.start('gateway');

      for (const name of ['endsA', 'endsB', 'outlives'] as const) {
        const ended = await waitForJob(
          client,
          ids[name],
          (j) => j.status.state === 'SUCCESS',
          60_000,
        );
        expect(ended.updates.map((u) => u.state)).toEqual(['IN_QUEUE', 'RUNNING', 'SUCCESS']);
        expect(ended.updates.at(-1)!.status).toBe(
          `The job exited with code 0 (Slurm job ${String(slurmIds[name])}: COMPLETED)`,
        );
        expect(stdoutOf(await followUntil(client, ids[name]))).toMatch(/\ndone\n$/);
      }
      const cancelled = await waitForJob(
        client,
        ids.cancelled,
        (j) => j.status.state === 'SUCCESS',
      );
      expect(cancelled.updates.map((u) => u.state)).toEqual(['IN_QUEUE', 'RUNNING', 'SUCCESS']);
      expect(cancelled.updates.at(-1)!.status).toBe(
        `Slurm job ${String(slurmIds.cancelled)} was cancelled outside UCloud (e.g. with scancel)`,
      );
      // Nothing Slurm has finished is left RUNNING.
      for (const [name, id] of Object.entries(ids)) {
        expect((await client.jobs.retrieve.query({ id })).status.state).toBe('SUCCESS');
        expect(await squeueState(slurmIds[name]!)).toBe('');
      }
    }, 120_000);

    it('submits a job created while slurmctld is down once it is back', async () => {
      await stack.stopController();
      let id: string;
      try {
        id = await create(batch('while slurmctld is down', 1));
        await new Promise((r) => setTimeout(r, 2000));
        const waiting = await client.jobs.retrieve.query({ id });
        expect(waiting.status.state).toBe('IN_QUEUE');
        expect(waiting.providerGeneratedId ?? null).toBeNull();
      } finally {
        await stack.startController();
      }

      const ended = await waitForJob(client, id, (j) => j.status.state === 'SUCCESS');
      expect(ended.updates.map((u) => u.state)).toEqual(['IN_QUEUE', 'RUNNING', 'SUCCESS']);
      // Its Slurm id, learned after create was answered, reached the orchestrator all the same.
      const slurmId = ended.providerGeneratedId!;
      expect(slurmId).toMatch(/^\d+$/);
      expect(
        (await stack.slurm('squeue', '-h', '-t', 'all', '-j', slurmId, '-o', '%j')).trim(),
      ).toBe(`ucloud-${id}`);
      expect(stdoutOf(await followUntil(client, id))).toBe(
        'acme-batch: value=while slurmctld is down debug=false\nstep 1 of 1\ndone\n',
      );
    });
  },
);

function twoRankParameters() {
  return {
    debug: { type: 'boolean' as const, value: true },
    value: { type: 'text' as const, value: 'two ranks' },
    steps: { type: 'integer' as const, value: 2 },
  };
}
