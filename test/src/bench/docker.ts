import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isFinalState } from '@ucloud/contracts';
import { connectEngine } from '@ucloud/provider-docker';
import { DOCKER_PRODUCT, TEST_IMAGE, dockerEngine, startDockerStack } from '../docker-harness.js';
import type { Client, TestStack } from '../harness.js';
import { describeRatios, pairedRatios, type PairedRun } from './paired-runs.js';
import { recordTarget } from './scorecard.js';

/**
 * Starting jobs on the Docker engine through the whole stack (typed client → orchestrator →
 * gateway → Docker plugin → engine) against plain calls on the same engine, in RUNS paired runs,
 * each phase starting once the previous one's containers are gone. 20 jobs a run: Podman here
 * starts about 3 containers a second, and removes them as slowly.
 *
 * Both start the same thing: busybox-batch's command in the test image, wrapped in the plugin's
 * entrypoint, with its job directory bind-mounted, its labels, 1 CPU and 1 GiB, on a network of
 * its own with the alias rank-0, as the plugin's ensureContainer creates it. The plain phase is a
 * loop of mkdir + network create + container create + start, done once the loop has returned;
 * the stack's jobs count as started, each once, when the orchestrator first has them started
 * (RUNNING, or later with a startedAt), whatever they did after.
 *
 * Every job prints a line, then sleeps LINES seconds: long enough to outlast both phases, so
 * that no job ends while the others are being started. Containers are then killed (SIGKILL, as
 * the shell as PID 1 ignores SIGTERM) and removed, concurrently.
 */
const LINES = 120;
/** Paired runs: plain then stack, alternating, so that the machine's load weighs on both alike. */
const RUNS = 5;

/** The shell script of busybox-batch in the demo catalog, with its three arguments. */
const BATCH_SCRIPT =
  'echo "busybox-batch: value=$1 rank=$UCLOUD_RANK of $UCLOUD_NUMBER_OF_NODES"; i=1; ' +
  'while [ $i -le ${2:-3} ]; do echo "line $i of ${2:-3}"; sleep 1; i=$((i+1)); done; ' +
  'echo "exiting with ${3:-0}" >&2; exit ${3:-0}';

/** The plugin's entrypoint wrapper for rank 0 (wrappedEntrypoint in docker-backend.ts). */
const ENTRYPOINT = [
  '/bin/sh',
  '-c',
  'exec "$@" >>/ucloud/rank-0.stdout 2>>/ucloud/rank-0.stderr',
  'ucloud-rank',
];

type Docker = ReturnType<typeof connectEngine>;

export async function benchDockerStarts(total = 20): Promise<void> {
  const engine = await dockerEngine();
  if (!engine.ok) {
    console.log(`docker starts: not measured, ${engine.reason}`);
    return;
  }
  const stack = await startDockerStack(engine);
  const runs: PairedRun[] = [];
  try {
    for (let run = 1; run <= RUNS; run++) {
      const plain = await plainStarts(engine.host, stack.dataDir, total);
      const through = await throughStack(stack, total);
      runs.push({ plainMs: plain.ms, stackMs: through.ms });
      const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
      const rate = (ms: number) => `${(total / (ms / 1000)).toFixed(1)} jobs/s`;
      console.log(
        `docker starts of ${String(total)} jobs, run ${run}/${RUNS}:\n` +
          `  plain mkdir+network+create+start loop: ${secs(plain.ms)} (${(plain.ms / total).toFixed(1)} ms/job, ${rate(plain.ms)}); ` +
          `cleanup ${secs(plain.cleanupMs)}\n` +
          `  whole stack until every job was seen started: ${secs(through.ms)} (${rate(through.ms)}); ` +
          `by the plugin's own start times: ${secs(through.lastStartMs)}; ` +
          `create call answered after ${secs(through.createMs)}; cleanup ${secs(through.cleanupMs)}\n` +
          `  ratio stack/plain ${(through.ms / plain.ms).toFixed(2)} ` +
          `(by start times ${(through.lastStartMs / plain.ms).toFixed(2)})`,
      );
    }
    const { median } = pairedRatios(runs);
    console.log(`docker starts: median ratio stack/plain of ${RUNS} runs ${median.toFixed(2)}`);
    recordTarget({
      figure: `Docker: ${total} jobs started through the whole stack / a plain create+start loop, median of ${RUNS} paired runs`,
      target: '≤ 1.10×',
      measured: describeRatios(runs),
      pass: median <= 1.1,
    });
  } finally {
    await stack.dispose();
  }
}

/** At most `limit` of `work` at a time. */
async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

/** Kills (SIGKILL) and removes containers, then removes networks; concurrently. */
async function removeAll(docker: Docker, containers: string[], networks: string[]) {
  const ignore = () => undefined;
  await inParallel(containers, 16, async (id) => {
    const container = docker.getContainer(id);
    await container.kill().catch(ignore);
    await container.remove({ force: true }).catch(ignore);
  });
  await inParallel(networks, 16, (name) => docker.getNetwork(name).remove().catch(ignore));
}

async function plainStarts(host: string, dataDir: string, total: number) {
  const docker = connectEngine(host);
  const run = `plain-${process.pid.toString(36)}-${Date.now().toString(36)}`;
  const jobsDir = join(dataDir, 'bench-plain');
  const containers: string[] = [];
  const networks: string[] = [];
  const started = performance.now();
  try {
    for (let n = 0; n < total; n++) {
      const name = `ucloud-bench-${run}-${String(n)}`;
      const jobDir = join(jobsDir, String(n));
      mkdirSync(jobDir, { recursive: true });
      writeFileSync(join(jobDir, 'rank-0.stdout'), '');
      writeFileSync(join(jobDir, 'rank-0.stderr'), '');
      await docker.createNetwork({
        Name: name,
        Driver: 'bridge',
        Labels: { 'ucloud.bench': run },
      });
      networks.push(name);
      const container = await docker.createContainer({
        name: `${name}-0`,
        Image: TEST_IMAGE,
        Entrypoint: ENTRYPOINT,
        Cmd: ['/bin/sh', '-c', BATCH_SCRIPT, 'busybox-batch', `plain ${String(n)}`, String(LINES)],
        Env: [`UCLOUD_JOB_ID=${name}`, 'UCLOUD_RANK=0', 'UCLOUD_NUMBER_OF_NODES=1'],
        WorkingDir: '/ucloud',
        Hostname: 'rank-0',
        Labels: { 'ucloud.bench': run, 'ucloud.job': name, 'ucloud.rank': '0' },
        HostConfig: {
          Binds: [`${jobDir}:/ucloud`],
          NetworkMode: name,
          NanoCpus: 1e9,
          Memory: 1024 ** 3,
        },
        NetworkingConfig: { EndpointsConfig: { [name]: { Aliases: ['rank-0'] } } },
      });
      containers.push(container.id);
      await container.start();
    }
    const ms = performance.now() - started;
    const cleanupStarted = performance.now();
    await removeAll(docker, containers, networks);
    return { ms, cleanupMs: performance.now() - cleanupStarted };
  } catch (err) {
    await removeAll(docker, containers, networks);
    throw err;
  }
}

/** Every job of the user, page by page. */
async function allJobs(client: Client) {
  const jobs = [];
  let next: string | null | undefined = null;
  do {
    const page: Awaited<ReturnType<Client['jobs']['browse']['query']>> =
      await client.jobs.browse.query({ itemsPerPage: 250, next });
    jobs.push(...page.items);
    next = page.next;
  } while (next);
  return jobs;
}

async function throughStack(stack: TestStack, total: number) {
  const client = stack.client();
  const started = performance.now();
  const startedAtEpoch = Date.now();
  const { responses } = await client.jobs.create.mutate({
    items: Array.from({ length: total }, (_, n) => ({
      application: { name: 'busybox-batch', version: '1.0.0' },
      product: DOCKER_PRODUCT,
      allowDuplicateJob: true,
      parameters: {
        value: { type: 'text' as const, value: `bench ${String(n)}` },
        lines: { type: 'integer' as const, value: LINES },
      },
    })),
  });
  const createMs = performance.now() - started;
  const ids = new Set(responses.map((r) => r.id));
  /** Job id → when this bench first saw it started, and the start time the plugin stamped. */
  const seen = new Map<string, { at: number; startedAt: number | null }>();
  const failed: string[] = [];
  while (seen.size + failed.length < total) {
    for (const job of await allJobs(client)) {
      if (!ids.has(job.id) || seen.has(job.id) || failed.includes(job.id)) continue;
      const state = job.status.state;
      if (state === 'RUNNING' || job.status.startedAt != null) {
        seen.set(job.id, { at: performance.now(), startedAt: job.status.startedAt ?? null });
      } else if (isFinalState(state)) {
        failed.push(job.id);
      }
    }
    if (seen.size + failed.length < total) await new Promise((r) => setTimeout(r, 50));
  }
  const ms = Math.max(...[...seen.values()].map((s) => s.at)) - started;
  const stamps = [...seen.values()].map((s) => s.startedAt).filter((t) => t !== null);
  const lastStartMs = stamps.length > 0 ? Math.max(...stamps) - startedAtEpoch : NaN;
  if (failed.length > 0) {
    console.log(`docker starts: ${String(failed.length)} jobs ended without starting`);
  }

  const cleanupStarted = performance.now();
  await client.jobs.terminate.mutate({ items: [...ids].map((id) => ({ id })) });
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    const jobs = (await allJobs(client)).filter((j) => ids.has(j.id));
    if (jobs.every((j) => isFinalState(j.status.state))) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return { ms, lastStartMs, createMs, cleanupMs: performance.now() - cleanupStarted };
}
