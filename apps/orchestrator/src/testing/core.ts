import { metering } from '../accounting/metering.js';
import { openDatabase, type Db } from '../db/client.js';
import { JobNotifier } from '../jobs/notifier.js';
import { JobRepository } from '../jobs/repository.js';
import { JobTransitions } from '../jobs/transitions.js';
import { OutboxStore } from '../outbox/store.js';

/** The orchestrator's job core over a database (in memory unless given): for in-process tests. */
export function openCore(db: Db = openDatabase(':memory:')) {
  const outbox = new OutboxStore(db);
  const jobs = new JobRepository(db, outbox);
  const notifier = new JobNotifier();
  const transitions = new JobTransitions({ db, jobs, outbox, metering, notifier });
  return { db, outbox, jobs, notifier, transitions };
}

export type Core = ReturnType<typeof openCore>;
