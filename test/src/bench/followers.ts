import type { JobsFollowResponse } from '@ucloud/contracts';
import type { TestStack } from '../harness.js';
import {
  connectionsTo,
  followSse,
  followWs,
  pidListeningOn,
  portOf,
  rssMb,
  type BenchFollower,
} from './follow-clients.js';
import { createLoadJobs, Latencies, sleepMs, startLoadStack, summary } from './load.js';
import { recordTarget } from './scorecard.js';

/** A follower misses its lines when none came for this long within the window. */
const STARVED_MS = 2_500;
const WINDOW_MS = 10_000;

/**
 * Many followers of one job that prints a line a second and reports a status update a second,
 * through the real gateway and orchestrator: whether every follower keeps up, the update and
 * line latency, the orchestrator's RSS, and the log streams it holds to the gateway while they
 * follow and after they have gone.
 */
export async function benchFollowers(): Promise<void> {
  const stack = await startLoadStack();
  try {
    const [id] = await createLoadJobs(stack, 1, 'events=1 lines=1000');
    for (const n of [1_000, 10_000]) await manyFollowers(stack, id!, n);
    await stack.client().jobs.terminate.mutate({ items: [{ id: id! }] });
    await sleepMs(3_000);
    console.log(
      `log streams orchestrator → gateway 3 s after the job ended: ${connectionsTo(portOf(stack.gatewayUrl))}`,
    );
  } finally {
    await stack.dispose();
  }
}

async function manyFollowers(stack: TestStack, jobId: string, n: number): Promise<void> {
  const orchestrator = pidListeningOn(portOf(stack.url));
  const gatewayPort = portOf(stack.gatewayUrl);
  const wsEvery = 5; // one in five follows over the WebSocket face
  let since = Infinity;
  const latencies = new Latencies();
  const sse = new Latencies();
  const ws = new Latencies();
  const lastLine = new Float64Array(n);
  const worstGap = new Float64Array(n);
  const connected = new Uint8Array(n);
  let connectedCount = 0;
  const followers: BenchFollower[] = [];
  const opened = performance.now();
  for (let i = 0; i < n; i++) {
    const take = (message: JobsFollowResponse, receivedAt: number) => {
      if (!connected[i]) {
        connected[i] = 1;
        connectedCount++;
      }
      if (receivedAt < since) return;
      latencies.take(message, receivedAt);
      (i % wsEvery === 0 ? ws : sse).take(message, receivedAt);
      if (message.log.length > 0) {
        worstGap[i] = Math.max(worstGap[i]!, receivedAt - (lastLine[i] || since));
        lastLine[i] = receivedAt;
      }
    };
    const open = i % wsEvery === 0 ? followWs : followSse;
    followers.push(open(stack.url, stack.userToken, jobId, take));
    if (i % 200 === 199) await sleepMs(20);
  }
  const deadline = Date.now() + 90_000;
  while (connectedCount < n && Date.now() < deadline) await sleepMs(100);
  const connectMs = performance.now() - opened;
  since = performance.timeOrigin + performance.now() + 500;
  let peakRss = 0;
  const rss = setInterval(() => (peakRss = Math.max(peakRss, rssMb(orchestrator))), 500);
  await sleepMs(WINDOW_MS + 500);
  clearInterval(rss);
  const end = performance.timeOrigin + performance.now();
  const streams = connectionsTo(gatewayPort);
  let starved = 0;
  for (let i = 0; i < n; i++)
    if (Math.max(worstGap[i]!, end - (lastLine[i] || since)) > STARVED_MS) starved++;
  for (const f of followers) f.close();
  await sleepMs(3_000);
  const streamsAfter = connectionsTo(gatewayPort);

  const events = summary(latencies.events);
  const lines = summary(latencies.lines);
  const p99 = (of: Latencies) => summary(of.events).p99.toFixed(1);
  console.log(
    `${n} followers of one job (1 in ${wsEvery} over WebSocket; ${connectedCount} connected in ${(connectMs / 1000).toFixed(1)} s): ` +
      `${starved} (${((100 * starved) / n).toFixed(1)}%) went ${STARVED_MS / 1000} s without a line in a ${WINDOW_MS / 1000} s window; ` +
      `update latency ${events.text} (p99 ${p99(sse)} ms over SSE, ${p99(ws)} ms over WebSocket); ` +
      `line latency ${lines.text}; orchestrator peak RSS ${peakRss.toFixed(0)} MB; ` +
      `connections orchestrator → gateway: ${streams} while following, ${streamsAfter} 3 s after the followers left`,
  );
  recordTarget({
    figure: `${n.toLocaleString('en')} followers of one job: orchestrator RSS`,
    target: n >= 10_000 ? '< 1 GB' : '-',
    measured: `${peakRss.toFixed(0)} MB`,
    pass: peakRss < 1024,
  });
  recordTarget({
    figure: `${n.toLocaleString('en')} followers of one job: update latency p99`,
    target: '< 25 ms',
    measured: `${events.p99.toFixed(1)} ms (${starved} starved)`,
    pass: events.p99 < 25 && starved === 0,
  });
}
