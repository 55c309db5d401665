import type { TestStack } from '../harness.js';
import {
  followSse,
  followWs,
  pidListeningOn,
  portOf,
  rssMb,
  type BenchFollower,
} from './follow-clients.js';
import { freePort } from '@ucloud/provider-sdk';
import {
  cpuMsOf,
  createLoadJobs,
  Latencies,
  storedLag,
  storedWithin,
  sleepMs,
  startLoadStack,
  summary,
  transactionsOf,
  within,
} from './load.js';
import { recordTarget } from './scorecard.js';

/**
 * Provider events through the real gateway and orchestrator to followers, with the load plugin
 * emitting status updates stamped with when it emitted them:
 * - latency: one job at 1,000 events/s, followers over SSE and the WebSocket face;
 * - throughput: jobs emitting 20,000 events/s together, a follower of each on both faces. The
 *   stack sustains the rate if it keeps pace: every event comes through, none after waiting long
 *   (a backlog that grows shows as latency). Offering more than the target measures less on two
 *   cores: the load plugin's own appends then take the CPU the stack needs.
 */
export async function benchEvents(): Promise<void> {
  const metricsPort = await freePort();
  const stack = await startLoadStack(metricsPort);
  try {
    await latencyAt1000(stack, metricsPort);
    await throughput(stack, metricsPort, 4, 5_000, 10_000);
  } finally {
    await stack.dispose();
  }
}

/** Opens `perFace` SSE and WebSocket followers of each job. */
function attach(
  stack: TestStack,
  jobIds: string[],
  perFace: number,
  sse: Latencies,
  ws: Latencies,
) {
  return jobIds.flatMap((id) =>
    Array.from({ length: perFace }, (): BenchFollower[] => [
      followSse(stack.url, stack.userToken, id, sse.take),
      followWs(stack.url, stack.userToken, id, ws.take),
    ]).flat(),
  );
}

async function latencyAt1000(stack: TestStack, metricsPort: number): Promise<void> {
  const seconds = 10;
  const [id] = await createLoadJobs(stack, 1, `events=1000 for=${(seconds + 1) * 1000}`);
  const since = Date.now() + 1_000;
  const sse = new Latencies(since);
  const ws = new Latencies(since);
  const followers = attach(stack, [id!], 5, sse, ws);
  const lagBefore = await storedLag(metricsPort);
  await within(
    (seconds + 20) * 1000,
    followers.map((f) => f.ended),
  );
  console.log(`  of which ${storedWithin(lagBefore, await storedLag(metricsPort))}`);
  for (const f of followers) f.close();
  for (const [face, l] of [
    ['SSE', sse],
    ['WebSocket', ws],
  ] as const) {
    const s = summary(l.events);
    console.log(
      `event latency at 1,000 events/s, provider event → ${face} follower (5 followers), ${s.text}`,
    );
    recordTarget({
      figure: `provider event → ${face} follower at 1,000 events/s: p99`,
      target: '< 25 ms',
      measured: `${s.p99.toFixed(1)} ms`,
      pass: s.p99 < 25,
    });
  }
}

/** A stack keeping pace with the offered rate delivers every event within this. */
const KEPT_PACE_MS = 1000;

async function throughput(
  stack: TestStack,
  metricsPort: number,
  jobs: number,
  perJob: number,
  ms: number,
): Promise<void> {
  const orchestrator = pidListeningOn(portOf(stack.url));
  const gateway = pidListeningOn(portOf(stack.gatewayUrl));
  const cpuBefore = [cpuMsOf(orchestrator), cpuMsOf(gateway)];
  const transactionsBefore = await transactionsOf(metricsPort);
  const ids = await createLoadJobs(stack, jobs, `events=${perJob} for=${ms}`);
  const sse = new Latencies();
  const ws = new Latencies();
  const followers = attach(stack, ids, 1, sse, ws);
  let peakRss = 0;
  const rss = setInterval(() => (peakRss = Math.max(peakRss, rssMb(orchestrator))), 500);
  await within(
    ms + 90_000,
    followers.map((f) => f.ended),
  );
  clearInterval(rss);
  const [orchestratorUs, gatewayUs] = [orchestrator, gateway].map(
    (pid, i) => ((cpuMsOf(pid) - cpuBefore[i]!) * 1000) / (jobs * perJob * (ms / 1000)),
  );
  const transactions = (await transactionsOf(metricsPort)) - transactionsBefore;
  console.log(
    `CPU per event (with its two followers): orchestrator ${orchestratorUs!.toFixed(1)} µs, gateway ${gatewayUs!.toFixed(1)} µs; ${((jobs * perJob * ms) / 1000 / transactions).toFixed(0)} events per orchestrator transaction`,
  );
  for (const f of followers) f.close();
  const offered = jobs * perJob;
  for (const [face, l] of [
    ['SSE', sse],
    ['WebSocket', ws],
  ] as const) {
    const rate = l.events.length / ((l.lastReceivedAt - l.firstSentAt) / 1000);
    const s = summary(l.events);
    const keptPace = l.ended === jobs && l.events.length === l.emitted && s.p99 < KEPT_PACE_MS;
    console.log(
      `event throughput, ${offered} events/s offered by ${jobs} jobs for ${ms / 1000} s, ${face} followers: ${l.events.length} of ${l.emitted} emitted received (${l.ended}/${jobs} jobs ended), ${rate.toFixed(0)} events/s end to end, latency ${s.text}; orchestrator peak RSS ${peakRss.toFixed(0)} MB`,
    );
    recordTarget({
      figure: `events sustained through gateway + orchestrator to ${face} followers (kept pace: all through, p99 < ${KEPT_PACE_MS / 1000} s)`,
      target: '≥ 20,000 events/s',
      measured: keptPace
        ? `${offered} events/s, kept pace (p99 ${s.p99.toFixed(0)} ms)`
        : `${rate.toFixed(0)} events/s end to end`,
      pass: keptPace && offered >= 20_000,
    });
  }
  await sleepMs(500);
}
