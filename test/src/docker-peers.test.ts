import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JobSpecificationInput } from '@ucloud/contracts';
import { connectEngine } from '@ucloud/provider-docker';
import { describe, expect, it } from 'vitest';
import { followUntil, stdoutOf, waitForJob } from './harness.js';
import { DOCKER_PRODUCT, dockerEngine, useDockerStack } from './docker-harness.js';

const engine = await dockerEngine();

/** Pings the peer by the hostname the job gave it, retrying while the network settles. */
const CONNECT_SCRIPT =
  'i=0; while [ $i -lt 40 ]; do ' +
  'if ping -c1 -W1 database >/dev/null 2>&1; then echo "reached database"; exit 0; fi; ' +
  'i=$((i + 1)); sleep 0.25; done; echo "could not reach database"; exit 1';

describe.skipIf(!engine.ok)('Connect to Job: a Docker job reaches its peer job by hostname', () => {
  const stack = useDockerStack(engine, {
    applications: [
      {
        like: 'busybox-batch',
        metadata: { name: 'busybox-connect', title: 'BusyBox that pings its peer' },
        invocation: {
          invocation: [
            { type: 'word', word: '/bin/sh' },
            { type: 'word', word: '-c' },
            { type: 'word', word: CONNECT_SCRIPT },
          ],
          parameters: [],
        },
      },
    ],
  });
  const client = stack.client();
  const docker = () => connectEngine(engine.ok ? engine.host : 'unix:///nonexistent');
  const create = async (spec: JobSpecificationInput) => {
    const { responses } = await client.jobs.create.mutate({ items: [spec] });
    return responses[0]!.id;
  };
  const networksOf = async (jobId: string) => {
    const instance = readFileSync(join(stack.dataDir, 'provider-docker', 'instance-id'), 'utf8');
    return docker().listNetworks({
      filters: { label: [`ucloud.job=${jobId}`, `ucloud.instance=${instance.trim()}`] },
    });
  };

  it('reaches the peer named in resources, and leaves the peer running when it ends', async () => {
    const server = await create({
      application: { name: 'busybox-batch', version: '1.0.0' },
      product: DOCKER_PRODUCT,
      allowDuplicateJob: true,
      parameters: {
        value: { type: 'text', value: 'database' },
        lines: { type: 'integer', value: 600 },
      },
    });
    await waitForJob(client, server, (j) => j.status.state === 'RUNNING');

    const id = await create({
      application: { name: 'busybox-connect', version: '1.0.0' },
      product: DOCKER_PRODUCT,
      allowDuplicateJob: true,
      parameters: {},
      resources: [{ type: 'peer', hostname: 'database', jobId: server }],
    });
    const events = await followUntil(client, id);
    expect(stdoutOf(events)).toBe('reached database\n');
    const job = await client.jobs.retrieve.query({ id });
    expect(job.status.state).toBe('SUCCESS');
    // The job's network went with it, the peer no longer attached; the peer runs on.
    await waitFor(async () => (await networksOf(id)).length === 0);
    const peer = await client.jobs.retrieve.query({ id: server });
    expect(peer.status.state).toBe('RUNNING');
    await client.jobs.terminate.mutate({ items: [{ id: server }] });
    await waitForJob(client, server, (j) => j.status.state === 'SUCCESS', 30_000);
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not so after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
