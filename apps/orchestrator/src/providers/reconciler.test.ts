import { JobUpdate } from '@ucloud/contracts';
import { pino } from 'pino';
import { expect, it } from 'vitest';
import { Catalog, DEMO_CATALOG_FILE } from '../catalog/catalog.js';
import { newJob, openCore } from '../testing/core.js';
import { Reconciler } from './reconciler.js';

it('expires a job long past its deadline in one change: EXPIRED, and its provider asked to stop it', () => {
  const core = openCore();
  const now = Date.now();
  const owner = { username: 'alice', project: null };
  const [id] = core.transitions.create([newJob({ owner, timeAllocationMs: 1000 })], now - 200_000);
  // The start was delivered; the provider said it ran, then never reported its end.
  core.outbox.remove(core.outbox.due(now, 10).map((r) => r.id));
  core.transitions.applyProviderUpdates(
    'example',
    [{ id: String(id), update: JobUpdate.parse({ state: 'RUNNING', timestamp: now - 150_000 }) }],
    null,
    now - 150_000,
  );
  const woken: number[] = [];
  core.notifier.subscribe(id!, () => woken.push(id!));

  const reconciler = new Reconciler(
    core.jobs,
    core.transitions,
    new Map(),
    Catalog.fromFile(DEMO_CATALOG_FILE),
    pino({ level: 'silent' }),
    { verifyIntervalMs: 60_000, expiryGraceMs: 30_000 },
  );
  reconciler.expireOverdue();

  const updates = core.jobs.updatesOf(id!).map((u) => u.stateAfter);
  expect(updates).toEqual(['IN_QUEUE', 'RUNNING', 'EXPIRED']);
  expect(core.outbox.due(Date.now(), 10).map((r) => r.kind)).toEqual(['terminate']);
  // Followers are woken once, after the one commit.
  expect(woken).toEqual([id]);
  reconciler.expireOverdue();
  expect(core.jobs.updatesOf(id!)).toHaveLength(3);
});
