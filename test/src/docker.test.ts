import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JobSpecificationInput } from '@ucloud/contracts';
import { connectEngine } from '@ucloud/provider-docker';
import { describe, expect, it } from 'vitest';
import { followUntil, stdoutOf, waitForJob } from './harness.js';
import { DOCKER_PRODUCT, TEST_IMAGE, dockerEngine, useDockerStack } from './docker-harness.js';

const engine = await dockerEngine();

/** On a registry that does not answer (port 1): the pull fails at once. */
const MISSING_IMAGE = 'localhost:1/ucloud/no-such-image:1';

/** The demo catalog's busybox tool, with another image. */
const busyboxTool = (image: string) => ({
  name: 'busybox',
  version: '1',
  tool: {
    owner: 'ucloud',
    description: {
      info: { name: 'busybox', version: '1' },
      title: 'BusyBox',
      backend: 'DOCKER',
      image,
      defaultNumberOfNodes: 1,
      defaultTimeAllocation: { hours: 1, minutes: 0, seconds: 0 },
    },
  },
});

/**
 * Each rank pings the other by name (rank-0, rank-1: its alias on the job's network), retrying
 * while the other starts, then stays up a while so the other can reach it in turn.
 */
const PEERS_SCRIPT =
  'peer=rank-$((1 - UCLOUD_RANK)); i=0; ' +
  'while [ $i -lt 60 ]; do ' +
  'if ping -c1 -W1 $peer >/dev/null 2>&1; then echo "rank $UCLOUD_RANK reached $peer"; sleep 3; exit 0; fi; ' +
  'i=$((i + 1)); sleep 0.25; done; ' +
  'echo "rank $UCLOUD_RANK could not reach $peer"; nslookup $peer; exit 1';

/** busybox-batch of the demo catalog on the Docker product: its value, then `lines` lines. */
const busybox = (
  value: string,
  lines: number,
  exitCode = 0,
  extra: Partial<JobSpecificationInput> = {},
): JobSpecificationInput => ({
  application: { name: 'busybox-batch', version: '1.0.0' },
  product: DOCKER_PRODUCT,
  allowDuplicateJob: true,
  parameters: {
    value: { type: 'text', value },
    lines: { type: 'integer', value: lines },
    exitCode: { type: 'integer', value: exitCode },
  },
  ...extra,
});

describe.skipIf(!engine.ok)(
  'jobs as containers on a real engine (orchestrator + gateway + Docker plugin)',
  () => {
    const stack = useDockerStack(engine, {
      applications: [
        {
          like: 'busybox-batch',
          metadata: { name: 'busybox-missing-image', title: 'BusyBox from nowhere' },
          invocation: { tool: busyboxTool(MISSING_IMAGE) },
        },
        {
          like: 'busybox-batch',
          metadata: { name: 'busybox-peers', title: 'BusyBox ranks that ping each other' },
          invocation: {
            invocation: [
              { type: 'word', word: '/bin/sh' },
              { type: 'word', word: '-c' },
              { type: 'word', word: PEERS_SCRIPT },
            ],
            parameters: [],
          },
        },
      ],
    });
    const client = stack.client();
    /** The engine, as an operator would reach it (the describe block is collected even when skipped). */
    const docker = () => connectEngine(engine.ok ? engine.host : 'unix:///nonexistent');
    const create = async (spec: JobSpecificationInput) => {
      const { responses } = await client.jobs.create.mutate({ items: [spec] });
      return responses[0]!.id;
    };
    /** This stack's plugin instance, which labels its containers (ucloud.instance). */
    const instance = () =>
      readFileSync(join(stack.dataDir, 'provider-docker', 'instance-id'), 'utf8').trim();
    /**
     * The job's containers of this stack's plugin only: job ids repeat across stacks, so other
     * runs on the same engine (in parallel or left over) have containers labelled with the same id.
     */
    const containersOf = (jobId: string) =>
      docker().listContainers({
        all: true,
        filters: { label: [`ucloud.job=${jobId}`, `ucloud.instance=${instance()}`] },
      });

    it('runs a job in a container: its lines arrive through follow, it ends SUCCESS with its exit code, its container is removed', async () => {
      const id = await create(busybox('Hello, container!', 3, 3));
      const events = await followUntil(client, id);
      expect(stdoutOf(events)).toBe(
        'busybox-batch: value=Hello, container! rank=0 of 1\nline 1 of 3\nline 2 of 3\nline 3 of 3\n',
      );
      const job = await client.jobs.retrieve.query({ id, includeUpdates: true });
      expect(job.updates.map((u) => u.state)).toEqual(['IN_QUEUE', 'RUNNING', 'SUCCESS']);
      expect(job.updates.at(-1)!.status).toBe('The job exited with code 3');
      await waitFor(async () => (await containersOf(id)).length === 0);
    });

    it('runs two ranks as two containers, each with its own output', async () => {
      const id = await create(busybox('ranks', 1, 0, { replicas: 2 }));
      await waitForJob(client, id, (j) => j.status.state === 'RUNNING');
      const events = await followUntil(client, id);
      expect(stdoutOf(events, 0)).toBe('busybox-batch: value=ranks rank=0 of 2\nline 1 of 1\n');
      expect(stdoutOf(events, 1)).toBe('busybox-batch: value=ranks rank=1 of 2\nline 1 of 1\n');
      const ended = await client.jobs.retrieve.query({ id });
      expect(ended.status.state).toBe('SUCCESS');
    });

    it('terminates a running job: SUCCESS "cancelled", its containers removed', async () => {
      const id = await create(busybox('long', 600));
      await waitForJob(client, id, (j) => j.status.state === 'RUNNING');
      const running = await containersOf(id);
      expect(running.map((c) => [c.State, c.Labels['ucloud.rank'], c.Image])).toEqual([
        ['running', '0', TEST_IMAGE],
      ]);
      await client.jobs.terminate.mutate({ items: [{ id }] });
      const ended = await waitForJob(client, id, (j) => j.status.state === 'SUCCESS', 30_000);
      expect(ended.status.state).toBe('SUCCESS');
      const job = await client.jobs.retrieve.query({ id, includeUpdates: true });
      expect(job.updates.at(-1)!.status).toBe('Your job has been cancelled!');
      await waitFor(async () => (await containersOf(id)).length === 0);
    });

    it('a restarted plugin reports a job that ended while it was down, with the time it ended', async () => {
      const id = await create(busybox('while down', 1, 7));
      await waitForJob(client, id, (j) => j.status.state === 'RUNNING');
      await stack.kill('docker', 'SIGKILL');
      await waitFor(async () =>
        (await containersOf(id)).every((c) => c.State === 'exited' || c.State === 'stopped'),
      );
      await new Promise((r) => setTimeout(r, 1_000));
      const restartedAt = Date.now();
      await stack.start('docker');
      const ended = await waitForJob(client, id, (j) => j.status.state === 'SUCCESS');
      const last = ended.updates.at(-1)!;
      expect(last.status).toBe('The job exited with code 7');
      // Stamped when the container finished, not when the plugin came back.
      expect(last.timestamp).toBeLessThan(restartedAt - 500);
      const events = await followUntil(client, id);
      expect(stdoutOf(events)).toBe('busybox-batch: value=while down rank=0 of 1\nline 1 of 1\n');
      await waitFor(async () => (await containersOf(id)).length === 0);
    });

    it('runs the ranks of a job on one network, where they reach each other by name', async () => {
      const id = await create({
        application: { name: 'busybox-peers', version: '1.0.0' },
        product: DOCKER_PRODUCT,
        allowDuplicateJob: true,
        replicas: 2,
        parameters: {},
      });
      const events = await followUntil(client, id);
      expect(stdoutOf(events, 0)).toBe('rank 0 reached rank-1\n');
      expect(stdoutOf(events, 1)).toBe('rank 1 reached rank-0\n');
      const job = await client.jobs.retrieve.query({ id, includeUpdates: true });
      expect(job.status.state).toBe('SUCCESS');
      expect(job.updates.at(-1)!.status).toBe('The job exited with code 0 on all 2 ranks');
      await waitFor(async () => (await containersOf(id)).length === 0);
    });

    it('serves a web application in a container through the gateway, with the session cookie only', async () => {
      const id = await create({
        application: { name: 'busybox-web', version: '1.0.0' },
        product: DOCKER_PRODUCT,
        allowDuplicateJob: true,
        replicas: 2,
        parameters: {},
      });
      await waitForJob(client, id, (j) => j.status.state === 'RUNNING');
      const { responses } = await client.jobs.openInteractiveSession.mutate({
        items: [{ id, rank: 1, sessionType: 'WEB' }],
      });
      const session = responses[0]!.session;
      if (session.type !== 'web') throw new Error(`got a ${session.type} session`);
      const prefix = `${stack.gatewayUrl}/ucloud/example/web/${id}/1/`;
      expect(session.redirectClientTo.startsWith(`${prefix}?ticket=`)).toBe(true);
      const entered = await fetch(session.redirectClientTo, { redirect: 'manual' });
      expect(entered.status).toBe(303);
      const cookie = (entered.headers.get('set-cookie') ?? '').split(';')[0]!;
      let page = '';
      await waitFor(async () => {
        const res = await fetch(prefix, { headers: { cookie } });
        page = await res.text();
        return res.status === 200;
      });
      expect(page).toBe(`Hello from busybox-web (job ${id}, rank 1)\n`);
      expect((await fetch(prefix)).status).toBe(403);
      const rank0 = prefix.replace(/\/1\/$/, '/0/');
      expect((await fetch(rank0, { headers: { cookie } })).status).toBe(403);
      await client.jobs.terminate.mutate({ items: [{ id }] });
      await waitForJob(client, id, (j) => j.status.state === 'SUCCESS', 30_000);
    });

    it('ends a job FAILURE when its container is removed outside UCloud', async () => {
      const id = await create(busybox('removed', 600));
      await waitForJob(client, id, (j) => j.status.state === 'RUNNING');
      const [container] = await containersOf(id);
      await docker().getContainer(container!.Id).remove({ force: true });
      const ended = await waitForJob(client, id, (j) => j.status.state === 'FAILURE', 30_000);
      expect(ended.updates.at(-1)!.status).toBe(
        'The container of rank 0 was removed outside UCloud before the job ended',
      );
    });

    it('ends a job whose image cannot be pulled FAILURE, saying why', async () => {
      const id = await create({
        ...busybox('nowhere', 1),
        application: { name: 'busybox-missing-image', version: '1.0.0' },
      });
      const ended = await client.jobs.retrieve.query({
        id: (await waitForJob(client, id, (j) => j.status.state === 'FAILURE', 30_000)).id,
        includeUpdates: true,
      });
      const status = ended.updates.at(-1)!.status;
      expect(status).toContain(`Could not pull the image ${MISSING_IMAGE}: `);
      expect(status).not.toMatch(/HTTP code|undefined|\[object/);
      expect(await containersOf(id)).toEqual([]);
    });
  },
);

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not so after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
