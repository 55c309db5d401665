import type { JobsFollowResponse } from '@ucloud/contracts';
import { fileURLToPath } from 'node:url';
import { BENCH_CATALOG } from '../catalog.js';
import { EXAMPLE_PRODUCT, startTestStack, type TestStack } from '../harness.js';
import { EMITTED, LOAD_EVENT, loadEventOf } from './load-plugin.js';
import { readFileSync } from 'node:fs';
import { percentile } from './stats.js';

/**
 * The load generator's entry point, run by the launcher in the native plugin's place: the built
 * one, whether this module runs built (benches) or from its source (tests).
 */
const LOAD_PLUGIN = fileURLToPath(new URL('../../dist/bench/load-plugin.js', import.meta.url));
const CPU_PROFILE = new URL('./cpu-profile.js', import.meta.url).href;

/**
 * Orchestrator and gateway as real processes in front of the load plugin. With BENCH_CPU_PROF
 * set to a directory, each process writes a CPU profile under it when it stops.
 */
export function startLoadStack(metricsPort?: number): Promise<TestStack> {
  const dir = process.env.BENCH_CPU_PROF;
  const profile = (name: string): Record<string, string> =>
    dir ? { NODE_OPTIONS: `--import=${CPU_PROFILE}`, CPU_PROFILE_DIR: `${dir}/${name}` } : {};
  return startTestStack({
    logLevel: 'warn',
    pluginMain: LOAD_PLUGIN,
    env: {
      orchestrator: {
        CATALOG_FILE: BENCH_CATALOG,
        ...(metricsPort && { METRICS_PORT: String(metricsPort) }),
        ...profile('orchestrator'),
      },
      gateway: profile('gateway'),
      native: profile('plugin'),
    },
  });
}

/** Creates jobs of the load plugin; `load` is what their name tells it (see load-plugin.ts). */
export async function createLoadJobs(stack: TestStack, count: number, load: string) {
  const { responses } = await stack.client().jobs.create.mutate({
    items: Array.from({ length: count }, () => ({
      application: { name: 'bench-clock', version: '1.0.0' },
      product: EXAMPLE_PRODUCT,
      name: `bench ${load}`,
      allowDuplicateJob: true,
    })),
  });
  return responses.map((r) => r.id);
}

/** Latencies (ms) of what followers received, from the load plugin's timestamps. */
export class Latencies {
  readonly events: number[] = [];
  readonly lines: number[] = [];
  firstSentAt = Infinity;
  lastReceivedAt = 0;
  ended = 0;
  /** Load events the ended jobs emitted, as their final status tells. */
  emitted = 0;

  /** Only what was sent from `since` on counts (followers still connecting would skew it). */
  constructor(private readonly since = 0) {}

  /** Counts one message a follower received at `receivedAt`. */
  take = (message: JobsFollowResponse, receivedAt: number): void => {
    for (const u of message.updates) {
      if (u.state === 'SUCCESS') {
        this.ended++;
        const status = u.status ?? '';
        const at = status.indexOf(EMITTED);
        if (at >= 0) this.emitted += Number(status.slice(at + EMITTED.length));
      }
      if (!u.status?.startsWith(LOAD_EVENT)) continue;
      this.sent(loadEventOf(u.status).sentAt, receivedAt, this.events);
    }
    for (const l of message.log)
      for (const line of (l.stdout ?? '').split('\n'))
        if (line) this.sent(Number(line), receivedAt, this.lines);
  };

  private sent(at: number, receivedAt: number, into: number[]): void {
    if (at < this.since) return;
    this.firstSentAt = Math.min(this.firstSentAt, at);
    this.lastReceivedAt = Math.max(this.lastReceivedAt, receivedAt);
    into.push(receivedAt - at);
  }
}

/** `p50 … p95 … p99 … max …` of unsorted samples (sorted in place). */
export function summary(samples: number[]): { text: string; p99: number } {
  samples.sort((a, b) => a - b);
  const p = (q: number) => percentile(samples, q).toFixed(1);
  return {
    text: `n=${samples.length}: p50 ${p(50)} ms, p95 ${p(95)} ms, p99 ${p(99)} ms, max ${(samples.at(-1) ?? 0).toFixed(1)} ms`,
    p99: samples.length > 0 ? percentile(samples, 99) : Infinity,
  };
}

export const sleepMs = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for every promise, or `ms`, whichever comes first. */
export async function within(ms: number, all: Promise<unknown>[]): Promise<void> {
  await Promise.race([Promise.all(all), sleepMs(ms)]);
}

/** The orchestrator's histogram of provider event → stored, as cumulative counts per bucket. */
export async function storedLag(metricsPort: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const buckets = new Map<string, number>();
  for (const m of text.matchAll(
    /provider_event_lag_seconds_bucket\{[^}]*le="([^"]+)"[^}]*\} (\d+)/g,
  ))
    buckets.set(m[1] ?? '', (buckets.get(m[1] ?? '') ?? 0) + Number(m[2]));
  return buckets;
}

/** The orchestrator's count of SQLite transactions so far (from its metrics). */
export async function transactionsOf(metricsPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  return Number(/sqlite_transaction_duration_seconds_count(?:\{[^}]*\})? (\d+)/.exec(text)?.[1]);
}

/** Of the events stored between two readings, the share stored within 5, 10 and 25 ms. */
export function storedWithin(before: Map<string, number>, after: Map<string, number>): string {
  const delta = (le: string) => (after.get(le) ?? 0) - (before.get(le) ?? 0);
  const all = delta('+Inf');
  const share = (le: string) =>
    `${((100 * delta(le)) / Math.max(1, all)).toFixed(1)}% ≤ ${Number(le) * 1000} ms`;
  return `provider event → stored (n=${all}): ${['0.005', '0.01', '0.025'].map(share).join(', ')}`;
}

/** CPU time (user + system, ms) a process has used so far: per event, robust to a busy machine. */
export function cpuMsOf(pid: number): number {
  // Fields 14 and 15 of /proc/<pid>/stat, counted after the command name's closing parenthesis.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}
