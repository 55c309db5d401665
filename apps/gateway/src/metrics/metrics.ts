import { status as GrpcStatus } from '@grpc/grpc-js';
import type { ResourceUpdateAndId } from '@ucloud/contracts';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

const PREFIX = 'ucloud_gateway_';

/** From a few milliseconds (live) to minutes (a backlog after the orchestrator was down). */
const LAG_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** The gateway's metrics, in a registry of its own (nothing in prom-client's global one). */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly eventLag: Histogram<'plugin'>;
  private readonly calls: Counter<'plugin' | 'method' | 'outcome'>;

  /** `connected`: whether each plugin's event stream is connected now, read when scraped. */
  constructor(connected: () => Array<{ plugin: string; connected: boolean }>) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
    this.eventLag = new Histogram({
      name: `${PREFIX}plugin_event_lag_seconds`,
      help: "Seconds from a plugin's event (its clock) until the orchestrator acknowledged it.",
      labelNames: ['plugin'],
      buckets: LAG_BUCKETS,
      registers,
    });
    this.calls = new Counter({
      name: `${PREFIX}plugin_calls_total`,
      help: 'Unary gRPC calls to plugins, by plugin, method and outcome (the gRPC status, OK when answered).',
      labelNames: ['plugin', 'method', 'outcome'],
      registers,
    });
    new Gauge({
      name: `${PREFIX}plugin_connected`,
      help: "1 when the plugin's event stream is connected to the orchestrator, else 0, by plugin.",
      labelNames: ['plugin'],
      registers,
      collect() {
        for (const { plugin, connected: up } of connected()) this.set({ plugin }, up ? 1 : 0);
      },
    });
  }

  /** A plugin's events, as updates, were delivered to the orchestrator at `deliveredAt` (epoch ms). */
  forwarded(plugin: string, updates: ResourceUpdateAndId[], deliveredAt = Date.now()): void {
    for (const { update } of updates)
      // Across two clocks: a plugin ahead of the gateway would read as negative lag.
      if (update.timestamp !== null)
        this.eventLag.observe({ plugin }, Math.max(0, deliveredAt - update.timestamp) / 1000);
  }

  readonly pluginCall = (plugin: string, method: string, code: GrpcStatus): void =>
    this.calls.inc({ plugin, method, outcome: GrpcStatus[code] });
}
