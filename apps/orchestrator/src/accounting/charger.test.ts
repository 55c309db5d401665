import { JobUpdate, type JobState } from '@ucloud/contracts';
import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { Catalog, DEMO_CATALOG_FILE } from '../catalog/catalog.js';
import { newJob, openCore, type Core } from '../testing/core.js';
import { Charger } from './charger.js';
import { ROOT, WalletStore } from './wallets.js';

const PERIOD = 4000;
/** The demo product's price per period. */
const PRICE = 1_000_000;
let core: Core;
let wallets: WalletStore;
let charger: Charger;
let wallet: number;

beforeEach(() => {
  core = openCore();
  wallets = new WalletStore(core.db);
  const catalog = Catalog.fromFile(DEMO_CATALOG_FILE);
  charger = new Charger(
    core.db,
    core.jobs,
    core.transitions,
    catalog,
    pino({ level: 'silent' }),
    1000,
  );
  wallet = wallets.ensure('user:user', 'example-compute', 'example').id;
  wallets.allocate(wallet, ROOT, { startDate: 0, endDate: 1e13, quota: 100 * PRICE }, 0);
});

/** A job created at 0 that the provider reports RUNNING at `startedAt` (provider clock). */
function runningJob(startedAt: number, username = 'user'): number {
  const [id] = core.transitions.create(
    [newJob({ owner: { username, project: null }, chargePeriodMs: PERIOD })],
    0,
  );
  report(id!, 'RUNNING', startedAt, startedAt);
  return id!;
}

function report(id: number, state: JobState, timestamp: number, receivedAt: number) {
  const update = JobUpdate.parse({ state, status: 'x', timestamp });
  core.transitions.applyProviderUpdates('example', [{ id: String(id), update }], null, receivedAt);
}

const used = () => wallets.groupsOf(wallet).flatMap((g) => g.allocations)[0]!.usage;

describe('Charger', () => {
  it('charges each period as it begins: the first at the start, the next past one period of running', () => {
    const id = runningJob(1000);
    expect(charger.chargeDue(1000).periods).toBe(1);
    expect(charger.chargeDue(5000).periods).toBe(0); // exactly one period: nothing more begun
    expect(charger.chargeDue(5001).periods).toBe(1);
    expect(core.jobs.get(id)!.chargedPeriods).toBe(2);
    expect(used()).toBe(2 * PRICE);
  });

  it('refunds a period charged while the end was not yet known, once the end shows it never began', () => {
    const id = runningJob(0);
    charger.chargeDue(0);
    // The plugin was down: the orchestrator still thought the job ran, and charged on.
    charger.chargeDue(4001);
    charger.chargeDue(8001);
    expect(used()).toBe(3 * PRICE);
    // The job really ended 3,985 ms after it started; the end arrives 50 s late.
    report(id, 'SUCCESS', 3985, 54_000);
    charger.chargeDue(54_000);
    expect(core.jobs.get(id)).toMatchObject({ chargedPeriods: 1, nextChargeAt: null });
    expect(used()).toBe(PRICE);
    expect(charger.chargeDue(60_000).jobs).toBe(0);
  });

  it('charges the periods a job began before an end reported late, once', () => {
    const id = runningJob(0);
    charger.chargeDue(0);
    report(id, 'SUCCESS', 4061, 30_000);
    charger.chargeDue(30_000);
    charger.chargeDue(31_000);
    expect(core.jobs.get(id)!.chargedPeriods).toBe(2);
    expect(used()).toBe(2 * PRICE);
  });

  it('terminates in the round a job whose wallet cannot pay, and charges the jobs of other wallets', () => {
    const broke = wallets.ensure('user:broke', 'example-compute', 'example').id;
    wallets.allocate(broke, ROOT, { startDate: 0, endDate: 1e13, quota: PRICE / 2 }, 0);
    const unpaid = runningJob(0, 'broke');
    const paid = runningJob(0);
    const round = charger.chargeDue(0);
    expect(round).toMatchObject({ jobs: 2, periods: 1, terminated: [unpaid] });
    expect(core.jobs.get(unpaid)).toMatchObject({
      chargedPeriods: 0,
      terminationReason: 'No more credits',
    });
    // Only the job that was paid for is charged on.
    expect(charger.chargeDue(4001)).toMatchObject({ periods: 1, terminated: [] });
    expect(core.jobs.get(paid)!.chargedPeriods).toBe(2);
    expect(wallets.groupsOf(broke)[0]!.allocations[0]!.usage).toBe(0);
    expect(used()).toBe(2 * PRICE);
  });
});
