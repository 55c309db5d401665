import { connectEngine } from '@ucloud/provider-docker';
import { DOCKER_PRODUCT, TEST_IMAGE, dockerEngine, startDockerStack } from '../docker-harness.js';
import type { TestStack } from '../harness.js';

/**
 * Starting jobs on the Docker engine through the whole stack (typed client → orchestrator →
 * gateway → Docker plugin → engine) against plain create+start calls on the same engine, in one
 * run. Both start the same image and command; the stack's jobs count once every one is RUNNING,
 * the plain ones once the loop of create+start calls has returned.
 */
export async function benchDockerStarts(total = 200): Promise<void> {
  const engine = await dockerEngine();
  if (!engine.ok) {
    console.log(`docker starts: not measured, ${engine.reason}`);
    return;
  }
  const stack = await startDockerStack(engine);
  try {
    const plainMs = await plainStarts(engine.host, total);
    const stackMs = await throughStack(stack, total);
    console.log(
      `docker starts of ${String(total)} jobs: plain create+start loop ${(plainMs / 1000).toFixed(2)} s ` +
        `(${(plainMs / total).toFixed(1)} ms/job); whole stack ${(stackMs / 1000).toFixed(2)} s until ` +
        `every job was RUNNING; ratio stack/plain ${(stackMs / plainMs).toFixed(2)}`,
    );
  } finally {
    await stack.dispose();
  }
}

async function plainStarts(host: string, total: number): Promise<number> {
  const docker = connectEngine(host);
  const started = performance.now();
  const ids: string[] = [];
  for (let n = 0; n < total; n++) {
    const container = await docker.createContainer({
      Image: TEST_IMAGE,
      Cmd: ['/bin/sh', '-c', `echo plain ${String(n)}; sleep 600`],
      Labels: { 'ucloud.bench': 'plain' },
      HostConfig: { NanoCpus: 1e9, Memory: 1024 ** 3 },
    });
    await container.start();
    ids.push(container.id);
  }
  const elapsed = performance.now() - started;
  for (const id of ids) await docker.getContainer(id).remove({ force: true });
  return elapsed;
}

async function throughStack(stack: TestStack, total: number): Promise<number> {
  const client = stack.client();
  const started = performance.now();
  const { responses } = await client.jobs.create.mutate({
    items: Array.from({ length: total }, (_, n) => ({
      application: { name: 'busybox-batch', version: '1.0.0' },
      product: DOCKER_PRODUCT,
      allowDuplicateJob: true,
      parameters: {
        value: { type: 'text' as const, value: `bench ${String(n)}` },
        lines: { type: 'integer' as const, value: 600 },
      },
    })),
  });
  const ids = new Set(responses.map((r) => r.id));
  for (;;) {
    const page = await client.jobs.browse.query({ itemsPerPage: 250, filterState: 'RUNNING' });
    if (page.items.filter((j) => ids.has(j.id)).length === total) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const elapsed = performance.now() - started;
  await client.jobs.terminate.mutate({ items: [...ids].map((id) => ({ id })) });
  return elapsed;
}
