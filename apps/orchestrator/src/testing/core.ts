import { JobSpecification } from '@ucloud/contracts';
import { metering } from '../accounting/metering.js';
import { openDatabase, type Db } from '../db/client.js';
import { JobNotifier } from '../jobs/notifier.js';
import type { JobMetrics } from '../jobs/ports.js';
import { JobRepository, type NewJob } from '../jobs/repository.js';
import { JobTransitions } from '../jobs/transitions.js';
import { OutboxStore } from '../outbox/store.js';

/** The orchestrator's job core over a database (in memory unless given): for in-process tests. */
export function openCore(db: Db = openDatabase(':memory:'), metrics?: JobMetrics) {
  const outbox = new OutboxStore(db);
  const jobs = new JobRepository(db, outbox);
  const notifier = new JobNotifier();
  const transitions = new JobTransitions({ db, jobs, outbox, metering, notifier, metrics });
  return { db, outbox, jobs, notifier, transitions };
}

export type Core = ReturnType<typeof openCore>;

/** A demo batch job's specification, as the API would have accepted it. */
export const DEMO_SPEC = JobSpecification.parse({
  application: { name: 'acme-batch', version: '1.0.0' },
  product: { id: 'example-compute', category: 'example-compute', provider: 'example' },
  parameters: { value: { type: 'text', value: 'x' } },
});

/** A new personal job of `alice` (unless told otherwise): free, without deadline or licenses. */
export const newJob = (overrides: Partial<NewJob> = {}): NewJob => ({
  owner: { username: 'alice', project: null },
  specification: DEMO_SPEC,
  timeAllocationMs: null,
  chargePeriodMs: null,
  licenseIds: [],
  ...overrides,
});
