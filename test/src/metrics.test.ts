import { freePort } from '@ucloud/launcher';
import parsePrometheusTextFormat, { type MetricFamily } from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { acmeBatch, followUntil, startTestStack, useStack, waitForJob, webApp } from './harness.js';

const ports = { orchestrator: 0, gateway: 0 };
const stack = useStack(async () => {
  ports.orchestrator = await freePort();
  ports.gateway = await freePort();
  return startTestStack({
    env: {
      orchestrator: { METRICS_PORT: String(ports.orchestrator) },
      gateway: { METRICS_PORT: String(ports.gateway) },
    },
  });
});

/** Scrapes a part's /metrics, with no token, and parses it as Prometheus would. */
async function scrape(part: keyof typeof ports): Promise<Map<string, MetricFamily>> {
  const response = await fetch(`http://127.0.0.1:${ports[part]}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const families = parsePrometheusTextFormat(await response.text());
  return new Map(families.map((f) => [f.name, f]));
}

function family(metrics: Map<string, MetricFamily>, name: string): MetricFamily {
  const found = metrics.get(name);
  if (!found)
    throw new Error(`${name} is not among the metrics: ${[...metrics.keys()].join(', ')}`);
  return found;
}

/** The samples of a counter or gauge as numbers, by their labels. */
const values = (metrics: Map<string, MetricFamily>, name: string) =>
  family(metrics, name).metrics.map((s) => ({ labels: s.labels ?? {}, value: Number(s.value) }));

const sum = (samples: Array<{ value: number }>) => samples.reduce((n, s) => n + s.value, 0);

/**
 * Observations of a histogram with one series. The parser folds the series of a labelled histogram
 * into one bucket map and drops their _count; with one series, the +Inf bucket is its count.
 */
function observations(metrics: Map<string, MetricFamily>, name: string): number {
  const histogram = family(metrics, name);
  expect(histogram.type).toBe('HISTOGRAM');
  expect(histogram.metrics).toHaveLength(1);
  return Number(histogram.metrics[0]!.buckets?.['+Inf']);
}

describe('metrics of a whole stack', () => {
  it('count the jobs by state as browse lists them, and count what flowed through', async () => {
    const client = stack.client();
    const create = async (spec: Parameters<typeof client.jobs.create.mutate>[0]['items'][0]) =>
      (await client.jobs.create.mutate({ items: [spec] })).responses[0]!.id;
    const done = await create(acmeBatch('metrics', 1));
    const running = await create(webApp());
    const expiring = await create(webApp({ timeAllocation: { hours: 0, minutes: 0, seconds: 2 } }));
    await followUntil(client, done);
    await waitForJob(client, running, (j) => j.status.state === 'RUNNING');
    await waitForJob(client, expiring, (j) => j.status.state === 'EXPIRED', 30_000);

    const { items } = await client.jobs.browse.query({ itemsPerPage: 250 });
    const byState = new Map<string, number>();
    for (const job of items)
      byState.set(job.status.state, (byState.get(job.status.state) ?? 0) + 1);
    expect([...byState.keys()].sort()).toEqual(['EXPIRED', 'RUNNING', 'SUCCESS']);

    const orchestrator = await scrape('orchestrator');
    const jobs = values(orchestrator, 'ucloud_orchestrator_jobs');
    expect(jobs.every((s) => s.labels.provider === 'example')).toBe(true);
    expect(new Map(jobs.filter((s) => s.value > 0).map((s) => [s.labels.state, s.value]))).toEqual(
      byState,
    );
    expect(values(orchestrator, 'ucloud_orchestrator_jobs_created_total')).toEqual([
      { labels: { provider: 'example' }, value: items.length },
    ]);
    // IN_QUEUE → RUNNING → end for two, → RUNNING for the third, at least.
    expect(
      sum(values(orchestrator, 'ucloud_orchestrator_job_updates_total')),
    ).toBeGreaterThanOrEqual(5);
    // An update per job at least came from the plugin, stamped with its clock.
    const lag = 'ucloud_orchestrator_provider_event_lag_seconds';
    expect(observations(orchestrator, lag)).toBeGreaterThanOrEqual(items.length);
    const transactions = 'ucloud_orchestrator_sqlite_transaction_duration_seconds';
    expect(observations(orchestrator, transactions)).toBeGreaterThan(0);
    expect(observations(orchestrator, 'ucloud_orchestrator_charge_round_duration_seconds')).toBe(
      sum(values(orchestrator, 'ucloud_orchestrator_charge_rounds_total')),
    );
    for (const gauge of ['outbox_calls', 'outbox_oldest_age_seconds', 'interactive_sessions'])
      expect(family(orchestrator, `ucloud_orchestrator_${gauge}`).type).toBe('GAUGE');
    expect(
      sum(values(orchestrator, 'ucloud_orchestrator_process_resident_memory_bytes')),
    ).toBeGreaterThan(0);

    const gateway = await scrape('gateway');
    expect(values(gateway, 'ucloud_gateway_plugin_connected')).toEqual([
      { labels: { plugin: 'native' }, value: 1 },
    ]);
    const creates = values(gateway, 'ucloud_gateway_plugin_calls_total').filter(
      (s) => s.labels.method === 'CreateJob' && s.labels.outcome === 'OK',
    );
    expect(sum(creates)).toBe(items.length);
    const forwarded = observations(gateway, 'ucloud_gateway_plugin_event_lag_seconds');
    expect(forwarded).toBeGreaterThanOrEqual(items.length);
  });

  it('count an open follower', async () => {
    const client = stack.client();
    const id = (await client.jobs.create.mutate({ items: [webApp()] })).responses[0]!.id;
    let subscription: { unsubscribe(): void } | undefined;
    await new Promise<void>((resolve, reject) => {
      subscription = client.jobs.follow.subscribe(
        { id, lastEventId: null },
        { onData: () => resolve(), onError: reject },
      );
    });
    try {
      const metrics = await scrape('orchestrator');
      expect(sum(values(metrics, 'ucloud_orchestrator_followers'))).toBeGreaterThanOrEqual(1);
    } finally {
      subscription?.unsubscribe();
      await client.jobs.terminate.mutate({ items: [{ id }] });
    }
  });

  it('need no token on their own port, while the public ports still require one', async () => {
    expect((await fetch(`http://127.0.0.1:${ports.orchestrator}/metrics`)).status).toBe(200);
    expect(
      (await stack.rest('GET', '/api/jobs/browse?itemsPerPage=10', undefined, { token: null }))
        .status,
    ).toBe(401);
    expect((await fetch(`${stack.url}/trpc/jobs.browse`)).status).toBe(401);
    expect((await fetch(`${stack.gatewayUrl}/ucloud/example/jobs/retrieveProducts`)).status).toBe(
      401,
    );
  });
});
