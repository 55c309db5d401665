import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ChargeMetrics } from '../accounting/charger.js';
import type { JobMetrics } from '../jobs/ports.js';

const PREFIX = 'ucloud_orchestrator_';

/** From a few milliseconds (same host) to minutes (a gateway or plugin that was down). */
const LAG_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
/** SQLite transactions take microseconds to a few milliseconds; a slow one is news. */
const TRANSACTION_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 1];
const CHARGE_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * What the gauges read when scraped: each is one (grouped) query or a count in memory, so nothing
 * is counted by hand on the hot path and a scrape always shows the database's truth.
 */
export interface GaugeSources {
  jobsByState(): Array<{ provider: string; state: string; jobs: number }>;
  /** Calls waiting in the outbox per provider, and when the oldest was queued (epoch ms). */
  outbox(): Array<{ provider: string; calls: number; oldestAt: number }>;
  /** Interactive sessions a gateway reported connected and not yet closed. */
  openSessions(): Array<{ provider: string; type: string; sessions: number }>;
  /** Open follow streams (tRPC subscription, SSE, WebSocket). */
  followers(): number;
  now(): number;
}

/** The orchestrator's metrics, in a registry of its own (nothing in prom-client's global one). */
export class OrchestratorMetrics {
  readonly registry = new Registry();
  private readonly jobsCreated: Counter<'provider'>;
  private readonly jobUpdates: Counter<'provider'>;
  private readonly eventLag: Histogram<'provider'>;
  private readonly chargeRounds: Counter;
  private readonly chargeDuration: Histogram;
  private readonly transactionDuration: Histogram;

  constructor(sources: GaugeSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
    this.jobsCreated = new Counter({
      name: `${PREFIX}jobs_created_total`,
      help: 'Jobs created, by provider.',
      labelNames: ['provider'],
      registers,
    });
    this.jobUpdates = new Counter({
      name: `${PREFIX}job_updates_total`,
      help: 'Job updates stored after creation (from providers, users or the orchestrator), by provider.',
      labelNames: ['provider'],
      registers,
    });
    this.eventLag = new Histogram({
      name: `${PREFIX}provider_event_lag_seconds`,
      help: "Seconds from a provider's event (its plugin's clock) until the orchestrator stored it.",
      labelNames: ['provider'],
      buckets: LAG_BUCKETS,
      registers,
    });
    this.chargeRounds = new Counter({
      name: `${PREFIX}charge_rounds_total`,
      help: 'Charging rounds run (one transaction charging up to a batch of running jobs).',
      registers,
    });
    this.chargeDuration = new Histogram({
      name: `${PREFIX}charge_round_duration_seconds`,
      help: 'Seconds one charging round took.',
      buckets: CHARGE_BUCKETS,
      registers,
    });
    this.transactionDuration = new Histogram({
      name: `${PREFIX}sqlite_transaction_duration_seconds`,
      help: 'Seconds each SQLite transaction took, from BEGIN IMMEDIATE to COMMIT.',
      buckets: TRANSACTION_BUCKETS,
      registers,
    });
    this.scrapeGauges(sources);
  }

  /** What jobs/ reports (jobs/ports.ts). */
  readonly jobs: JobMetrics = {
    created: (provider) => this.jobsCreated.inc({ provider }),
    updated: (provider) => this.jobUpdates.inc({ provider }),
    providerEventStored: (provider, reportedAt, storedAt) =>
      // Across two clocks: a plugin ahead of the orchestrator would read as negative lag.
      this.eventLag.observe({ provider }, Math.max(0, storedAt - reportedAt) / 1000),
  };

  readonly charging: ChargeMetrics = {
    round: (seconds) => {
      this.chargeRounds.inc();
      this.chargeDuration.observe(seconds);
    },
  };

  readonly transaction = (seconds: number): void => this.transactionDuration.observe(seconds);

  private scrapeGauges(sources: GaugeSources): void {
    const registers = [this.registry];
    new Gauge({
      name: `${PREFIX}jobs`,
      help: 'Jobs by current state and provider.',
      labelNames: ['provider', 'state'],
      registers,
      collect() {
        this.reset();
        for (const { provider, state, jobs } of sources.jobsByState())
          this.set({ provider, state }, jobs);
      },
    });
    new Gauge({
      name: `${PREFIX}outbox_calls`,
      help: 'Calls to providers waiting in the outbox for delivery, by provider.',
      labelNames: ['provider'],
      registers,
      collect() {
        this.reset();
        for (const { provider, calls } of sources.outbox()) this.set({ provider }, calls);
      },
    });
    new Gauge({
      name: `${PREFIX}outbox_oldest_age_seconds`,
      help: 'Seconds the oldest call waiting in the outbox has waited, by provider.',
      labelNames: ['provider'],
      registers,
      collect() {
        this.reset();
        const now = sources.now();
        for (const { provider, oldestAt } of sources.outbox())
          this.set({ provider }, Math.max(0, now - oldestAt) / 1000);
      },
    });
    new Gauge({
      name: `${PREFIX}followers`,
      help: 'Open follow streams of jobs (tRPC subscriptions, SSE and WebSocket follows).',
      registers,
      collect() {
        this.set(sources.followers());
      },
    });
    new Gauge({
      name: `${PREFIX}interactive_sessions`,
      help: 'Interactive sessions (shell, VNC, web) open now, by provider and type.',
      labelNames: ['provider', 'type'],
      registers,
      collect() {
        this.reset();
        for (const { provider, type, sessions } of sources.openSessions())
          this.set({ provider, type }, sessions);
      },
    });
  }
}
