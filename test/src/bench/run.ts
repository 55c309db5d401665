import { BENCH_CATALOG } from '../catalog.js';
import { benchBrowse } from './browse.js';
import { benchCharging } from './charging.js';
import { benchChaos } from './chaos.js';
import { benchDockerStarts } from './docker.js';
import { benchEvents } from './events.js';
import { benchFollowers } from './followers.js';
import { benchRecovery } from './recovery.js';
import { benchSiteData } from './site-data.js';
import { benchSlurmSubmission } from './slurm.js';
import { benchVmStarts } from './vm.js';
import { percentile } from './stats.js';
import { recordedTargets, scorecardTable } from './scorecard.js';
import {
  startTestStack,
  followUntil,
  stdoutOf,
  EXAMPLE_PRODUCT,
  type TestStack,
} from '../harness.js';

/**
 * Benchmarks of the whole stack on this machine, printed as figures (never asserted), and the
 * site-scale targets as one table at the end (scorecard.ts):
 * - jobs: bulk create throughput through the typed client; update latency, job exit → follower;
 * - charging: 10,000 running jobs charged for a period; browse: 100,000 stored jobs with filters;
 * - site-data: 1,000,000 generated jobs: cold start, browse/search with each filter in five kinds
 *   of workspace, RSS and charging with 100,000 active jobs, bulk create;
 * - events: provider events to SSE and WebSocket followers (latency at 1,000/s, throughput);
 * - followers: 1,000 and 10,000 followers of one job;
 * - slurm, docker: the whole stack against the raw engine (sbatch; create+start), 5 paired runs;
 * - recovery: under `npm start`, SIGKILL of each process → API answering, updates flowing again;
 * - chaos: 300 jobs with followers through twelve SIGKILLs, and what came out wrong;
 * - vm: create → RUNNING and → first console line through the whole stack against QEMU directly.
 */

async function updateLatency(
  stack: TestStack,
  samples: number,
  concurrency: number,
): Promise<number[]> {
  const client = stack.client();
  const latencies: number[] = [];
  const one = async () => {
    const { responses } = await client.jobs.create.mutate({
      items: [
        {
          application: { name: 'bench-clock', version: '1.0.0' },
          product: EXAMPLE_PRODUCT,
          allowDuplicateJob: true,
        },
      ],
    });
    let received = 0;
    const events = await followUntil(client, responses[0]!.id, {
      until: (evs) => {
        const last = evs.at(-1)!;
        if (last.data.updates.some((u) => u.state === 'SUCCESS')) received = Date.now();
        return received > 0;
      },
    });
    const printed = Number(stdoutOf(events).trim());
    latencies.push(received - printed);
  };
  for (let done = 0; done < samples; done += concurrency) {
    await Promise.all(Array.from({ length: Math.min(concurrency, samples - done) }, one));
  }
  return latencies.sort((a, b) => a - b);
}

async function createThroughput(stack: TestStack, total: number, bulk: number): Promise<number> {
  const client = stack.client();
  const item = {
    application: { name: 'bench-clock', version: '1.0.0' },
    product: EXAMPLE_PRODUCT,
    allowDuplicateJob: true,
  };
  const started = performance.now();
  for (let n = 0; n < total; n += bulk) {
    await client.jobs.create.mutate({
      items: Array.from({ length: Math.min(bulk, total - n) }, () => item),
    });
  }
  return total / ((performance.now() - started) / 1000);
}

async function benchUpdatesAndCreate(): Promise<void> {
  const stack = await startTestStack({
    logLevel: 'warn',
    env: { orchestrator: { CATALOG_FILE: BENCH_CATALOG } },
  });
  try {
    const latencies = await updateLatency(stack, 60, 3);
    console.log(
      `update latency, job exit → follower sees SUCCESS (n=${latencies.length}): p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms, max ${latencies.at(-1) ?? '-'} ms`,
    );
    const rate = await createThroughput(stack, 2000, 500);
    console.log(
      `bulk create throughput (2000 jobs in bulks of 500, persisted and acknowledged): ${rate.toFixed(0)} jobs/s`,
    );
  } finally {
    await stack.dispose();
  }
}

/** `npm run bench` runs them all; `npm run bench -- slurm browse` runs the ones named. */
const benches: Record<string, () => Promise<void>> = {
  jobs: benchUpdatesAndCreate,
  charging: () => benchCharging(),
  browse: () => benchBrowse(),
  'site-data': () => benchSiteData(),
  slurm: () => benchSlurmSubmission(),
  recovery: () => benchRecovery(),
  chaos: () => benchChaos(),
  docker: () => benchDockerStarts(),
  events: () => benchEvents(),
  followers: () => benchFollowers(),
  vm: () => benchVmStarts(),
};
const named = process.argv.slice(2);
const unknown = named.filter((name) => !(name in benches));
if (unknown.length > 0) {
  console.error(`unknown bench ${unknown.join(', ')}; known: ${Object.keys(benches).join(', ')}`);
  process.exit(2);
}
for (const [name, bench] of Object.entries(benches)) {
  if (named.length === 0 || named.includes(name)) await bench();
}
if (recordedTargets().length > 0)
  console.log(`\nTargets (this run, this machine):\n\n${scorecardTable()}`);
