import { status as GrpcStatus } from '@grpc/grpc-js';
import { JobState } from '@ucloud/provider-proto';
import type { MetricValueWithName } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeOrchestrator } from '../testing/fake-orchestrator.js';
import { FakePlugin } from '../testing/fake-plugin.js';
import { PROVIDER_ID, startGateway, TOKEN, waitFor } from '../testing/harness.js';
import { GatewayMetrics } from './metrics.js';

/** The value of one series (a histogram's by its `_count`, `_sum` or `_bucket` name), 0 when absent. */
async function value(
  metrics: GatewayMetrics,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const family = metrics.registry.getSingleMetric(name.replace(/_(count|sum|bucket)$/, ''));
  const metric = await (metrics.registry.getSingleMetric(name) ?? family)?.get();
  if (!metric) throw new Error(`no metric ${name}`);
  const series = metric.values.find(
    (v) =>
      ((v as MetricValueWithName<string>).metricName ?? name) === name &&
      Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l),
  );
  return series?.value ?? 0;
}

const update = (timestamp: number | null) => ({
  id: '1',
  update: {
    state: null,
    outputFolder: null,
    status: 'x',
    expectedState: null,
    expectedDifferentState: null,
    newTimeAllocation: null,
    allowRestart: null,
    newMounts: null,
    timestamp,
  },
});

describe('GatewayMetrics', () => {
  it('names every metric with the prefix and a HELP text, with the process metrics', async () => {
    const metrics = new GatewayMetrics(() => []);
    const text = await metrics.registry.metrics();
    for (const name of [
      'plugin_event_lag_seconds',
      'plugin_calls_total',
      'plugin_connected',
      'process_resident_memory_bytes',
    ])
      expect(text).toMatch(new RegExp(`^# HELP ucloud_gateway_${name} \\S`, 'm'));
    const names = metrics.registry.getMetricsAsArray().map((m) => m.name);
    expect(names.every((n) => n.startsWith('ucloud_gateway_'))).toBe(true);
  });

  it('observes the lag of forwarded events that carry a timestamp, and counts calls by outcome', async () => {
    const metrics = new GatewayMetrics(() => [
      { plugin: 'native', connected: true },
      { plugin: 'slurm', connected: false },
    ]);
    metrics.forwarded('native', [update(10_000), update(null), update(12_500)], 13_000);
    const lag = 'ucloud_gateway_plugin_event_lag_seconds';
    expect(await value(metrics, `${lag}_count`, { plugin: 'native' })).toBe(2);
    expect(await value(metrics, `${lag}_sum`)).toBe(3.5);
    expect(await value(metrics, `${lag}_bucket`, { le: '0.5' })).toBe(1);

    metrics.pluginCall('native', 'CreateJob', GrpcStatus.OK);
    metrics.pluginCall('native', 'CreateJob', GrpcStatus.UNAVAILABLE);
    metrics.pluginCall('native', 'CreateJob', GrpcStatus.UNAVAILABLE);
    const calls = 'ucloud_gateway_plugin_calls_total';
    expect(await value(metrics, calls, { method: 'CreateJob', outcome: 'OK' })).toBe(1);
    expect(await value(metrics, calls, { method: 'CreateJob', outcome: 'UNAVAILABLE' })).toBe(2);

    expect(await value(metrics, 'ucloud_gateway_plugin_connected', { plugin: 'native' })).toBe(1);
    expect(await value(metrics, 'ucloud_gateway_plugin_connected', { plugin: 'slurm' })).toBe(0);
  });
});

describe('a gateway', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const stop of cleanup.splice(0).reverse()) await stop();
  });

  it('reports its plugin connected, its calls and the lag of the events it forwarded', async () => {
    const plugin = await FakePlugin.start({ name: 'native' });
    cleanup.push(() => plugin.stop());
    const orchestrator = await FakeOrchestrator.start(TOKEN, PROVIDER_ID);
    cleanup.push(() => orchestrator.stop());
    const running = await startGateway([plugin], orchestrator.url);
    cleanup.push(() => running.stop());
    const { gateway } = running;
    plugin.emit('7', JobState.JOB_STATE_RUNNING);
    const { metrics } = gateway;
    const lag = 'ucloud_gateway_plugin_event_lag_seconds_count';
    await vi.waitFor(async () => expect(await value(metrics, lag)).toBe(1));
    await waitFor(() => gateway.pumps.get('native')?.state === 'live', 'the pump live');

    expect(await value(metrics, 'ucloud_gateway_plugin_connected', { plugin: 'native' })).toBe(1);
    expect(
      await value(metrics, 'ucloud_gateway_plugin_calls_total', {
        plugin: 'native',
        method: 'Describe',
        outcome: 'OK',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(gateway.metricsUrl).toBeNull();
  });
});
