import { JobUpdate, type JobState, type ProviderActor } from '@ucloud/contracts';
import { pino } from 'pino';
import type { MetricValueWithName } from 'prom-client';
import { beforeEach, describe, expect, it } from 'vitest';
import { Charger } from '../accounting/charger.js';
import { Catalog, DEMO_CATALOG_FILE } from '../catalog/catalog.js';
import { observeTransactions } from '../db/client.js';
import { ControlService } from '../jobs/control-service.js';
import type { SessionRecords } from '../jobs/ports.js';
import { SessionStore } from '../sessions/session-store.js';
import { newJob, openCore, type Core } from '../testing/core.js';
import { OrchestratorMetrics } from './metrics.js';

const NOW = 1_000_000;
const silent = pino({ level: 'silent' });
const example: ProviderActor = { kind: 'provider', providerId: 'example' };

let core: Core;
let sessions: SessionStore;
let metrics: OrchestratorMetrics;

beforeEach(() => {
  let wired: OrchestratorMetrics | undefined;
  // The transitions report to the metrics, whose gauges read the core: made in that order.
  core = openCore(undefined, {
    created: (p) => wired?.jobs.created(p),
    updated: (p) => wired?.jobs.updated(p),
    providerEventStored: (...args) => wired?.jobs.providerEventStored(...args),
  });
  sessions = new SessionStore(core.db);
  metrics = wired = new OrchestratorMetrics({
    jobsByState: () => core.jobs.countByState(),
    outbox: () => core.outbox.depth(),
    openSessions: () => sessions.openCounts(),
    followers: () => core.notifier.subscriptions(),
    now: () => NOW,
  });
  observeTransactions(core.db, metrics.transaction);
});

/** The value of one series (a histogram's by its `_count`, `_sum` or `_bucket` name), 0 when absent. */
async function value(name: string, labels: Record<string, string> = {}): Promise<number> {
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

function report(id: number, state: JobState, timestamp: number) {
  const update = JobUpdate.parse({ state, status: 'x', timestamp });
  return new ControlService(
    core.jobs,
    core.transitions,
    Catalog.fromFile(DEMO_CATALOG_FILE),
    {} as SessionRecords,
    silent,
    metrics.jobs,
  ).update(example, { items: [{ id: String(id), update }] }, null);
}

describe('OrchestratorMetrics', () => {
  it('names every metric with the prefix and a HELP text, with the process metrics', async () => {
    const text = await metrics.registry.metrics();
    for (const name of [
      'jobs',
      'jobs_created_total',
      'job_updates_total',
      'provider_event_lag_seconds',
      'outbox_calls',
      'outbox_oldest_age_seconds',
      'charge_rounds_total',
      'charge_round_duration_seconds',
      'followers',
      'interactive_sessions',
      'sqlite_transaction_duration_seconds',
      'process_resident_memory_bytes',
    ])
      expect(text).toMatch(new RegExp(`^# HELP ucloud_orchestrator_${name} \\S`, 'm'));
    const names = metrics.registry.getMetricsAsArray().map((m) => m.name);
    expect(names.every((n) => n.startsWith('ucloud_orchestrator_'))).toBe(true);
  });

  it('counts jobs by provider and state when scraped, and creates and updates as they commit', async () => {
    const [first, second] = core.transitions.create([newJob(), newJob()], NOW - 5000);
    await report(first!, 'RUNNING', NOW);

    expect(
      await value('ucloud_orchestrator_jobs', { provider: 'example', state: 'IN_QUEUE' }),
    ).toBe(1);
    expect(await value('ucloud_orchestrator_jobs', { provider: 'example', state: 'RUNNING' })).toBe(
      1,
    );
    expect(await value('ucloud_orchestrator_jobs_created_total', { provider: 'example' })).toBe(2);
    expect(await value('ucloud_orchestrator_job_updates_total', { provider: 'example' })).toBe(1);
    core.transitions.requestTerminate([second!], NOW);
    expect(await value('ucloud_orchestrator_jobs', { state: 'IN_QUEUE' })).toBe(0);
    expect(await value('ucloud_orchestrator_jobs', { state: 'SUCCESS' })).toBe(1);
  });

  it("observes the provider's event lag of the updates stored, not of those refused", async () => {
    const [id] = core.transitions.create([newJob()], Date.now());
    await report(id!, 'RUNNING', Date.now() - 2000);
    await report(id!, 'SUCCESS', Date.now() - 500);
    await report(id!, 'RUNNING', Date.now()); // refused: the job has ended
    const lag = 'ucloud_orchestrator_provider_event_lag_seconds';
    expect(await value(`${lag}_count`, { provider: 'example' })).toBe(2);
    expect(await value(`${lag}_sum`)).toBeGreaterThanOrEqual(2.5);
    expect(await value(`${lag}_bucket`, { le: '0.25' })).toBe(0);
    expect(await value(`${lag}_bucket`, { le: '1' })).toBe(1);
    expect(await value(`${lag}_bucket`, { le: '2.5' })).toBe(2);
  });

  it('shows the outbox depth and the age of its oldest call', async () => {
    core.transitions.create([newJob()], NOW - 30_000);
    core.transitions.create([newJob()], NOW - 10_000);
    expect(await value('ucloud_orchestrator_outbox_calls', { provider: 'example' })).toBe(2);
    expect(await value('ucloud_orchestrator_outbox_oldest_age_seconds')).toBe(30);
  });

  it('times each outermost transaction, and each charging round', async () => {
    const transactions = 'ucloud_orchestrator_sqlite_transaction_duration_seconds_count';
    // create() inside another transaction is a savepoint of it: one transaction timed.
    core.transitions.atomically(() => core.transitions.create([newJob()], NOW));
    expect(await value(transactions)).toBe(1);

    const catalog = Catalog.fromFile(DEMO_CATALOG_FILE);
    const charger = new Charger(
      core.db,
      core.jobs,
      core.transitions,
      catalog,
      silent,
      1000,
      metrics.charging,
    );
    charger.chargeDue(NOW);
    charger.chargeDue(NOW + 1);
    expect(await value('ucloud_orchestrator_charge_rounds_total')).toBe(2);
    expect(await value('ucloud_orchestrator_charge_round_duration_seconds_count')).toBe(2);
    expect(await value(transactions)).toBe(3);
  });

  it('counts open followers and connected, unclosed interactive sessions', async () => {
    const [id] = core.transitions.create([newJob()], NOW);
    const unsubscribe = core.notifier.subscribe(id!, () => {});
    expect(await value('ucloud_orchestrator_followers')).toBe(1);
    unsubscribe();
    expect(await value('ucloud_orchestrator_followers')).toBe(0);

    const session = (ticketHash: string) =>
      sessions.insert({
        ticketHash,
        jobId: id!,
        rank: 0,
        sessionType: 'SHELL',
        username: 'alice',
        provider: 'example',
        createdAt: NOW,
        expiresAt: NOW + 60_000,
      });
    const open = session('a');
    const closed = session('b');
    session('never-redeemed');
    sessions.connect(open, NOW);
    sessions.connect(closed, NOW);
    sessions.close('example', [{ id: closed, reason: 'done' }], NOW);
    expect(
      await value('ucloud_orchestrator_interactive_sessions', {
        provider: 'example',
        type: 'SHELL',
      }),
    ).toBe(1);
  });
});
