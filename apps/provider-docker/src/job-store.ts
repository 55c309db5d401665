import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  LifecycleJobStore,
  type JobPhase,
  type Migration,
  type StopReason,
} from '@ucloud/provider-sdk';

export interface JobRecord {
  jobId: string;
  productCategory: string;
  replicas: number;
  /** Per replica. */
  cpu: number;
  memoryBytes: number;
  image: string;
  argv: string[];
  environment: Record<string, string>;
  timeAllocationMs: number | null;
  phase: JobPhase;
  startedAt: number | null;
  deadline: number | null;
  stopReason: StopReason | null;
  stopRequestedAt: number | null;
}

export type NewJob = Pick<
  JobRecord,
  | 'jobId'
  | 'productCategory'
  | 'replicas'
  | 'cpu'
  | 'memoryBytes'
  | 'image'
  | 'argv'
  | 'environment'
  | 'timeAllocationMs'
>;

interface JobRow {
  job_id: string;
  product_category: string;
  replicas: number;
  cpu: number;
  memory_bytes: number;
  image: string;
  argv: string;
  environment: string;
  time_allocation_ms: number | null;
  phase: JobPhase;
  started_at: number | null;
  deadline: number | null;
  stop_reason: StopReason | null;
  stop_requested_at: number | null;
}

/** The schema, one step a version (see the SDK's `openVersionedSqlite`): append a step to change it. */
const MIGRATIONS: Migration[] = [
  `
  CREATE TABLE IF NOT EXISTS jobs (
    job_id TEXT PRIMARY KEY,
    product_category TEXT NOT NULL,
    replicas INTEGER NOT NULL,
    cpu REAL NOT NULL,
    memory_bytes INTEGER NOT NULL,
    image TEXT NOT NULL,
    argv TEXT NOT NULL,
    environment TEXT NOT NULL,
    time_allocation_ms INTEGER,
    phase TEXT NOT NULL,
    started_at INTEGER,
    deadline INTEGER,
    stop_reason TEXT,
    stop_requested_at INTEGER,
    created_at INTEGER NOT NULL,
    ended_at INTEGER
  );
  CREATE INDEX IF NOT EXISTS jobs_by_phase ON jobs (phase);
  `,
];

/**
 * The id of this plugin instance, kept in its data directory: its containers carry it as the
 * label `ucloud.instance`, so that after a restart it finds its own and only its own.
 */
export function instanceId(dataDir: string): string {
  const file = join(dataDir, 'instance-id');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const id = randomBytes(6).toString('hex');
  writeFileSync(file, id + '\n', { flag: 'wx' });
  return id;
}

/** The plugin's record of its jobs (docker.db). */
export class JobStore extends LifecycleJobStore {
  constructor(file: string) {
    super(file, MIGRATIONS);
  }

  get(jobId: string): JobRecord | undefined {
    const row = this.db.prepare<[string], JobRow>(`SELECT * FROM jobs WHERE job_id = ?`).get(jobId);
    return row && toRecord(row);
  }

  /** Jobs that have not ended, oldest first. */
  unfinished(): JobRecord[] {
    return this.db
      .prepare<[], JobRow>(`SELECT * FROM jobs WHERE phase != 'ENDED' ORDER BY created_at, job_id`)
      .all()
      .map(toRecord);
  }

  insert(job: NewJob): void {
    this.db
      .prepare(
        `INSERT INTO jobs (job_id, product_category, replicas, cpu, memory_bytes, image, argv,
           environment, time_allocation_ms, phase, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'STARTING', ?)`,
      )
      .run(
        job.jobId,
        job.productCategory,
        job.replicas,
        job.cpu,
        job.memoryBytes,
        job.image,
        JSON.stringify(job.argv),
        JSON.stringify(job.environment),
        job.timeAllocationMs,
        Date.now(),
      );
  }
}

function toRecord(row: JobRow): JobRecord {
  return {
    jobId: row.job_id,
    productCategory: row.product_category,
    replicas: row.replicas,
    cpu: row.cpu,
    memoryBytes: row.memory_bytes,
    image: row.image,
    argv: JSON.parse(row.argv) as string[],
    environment: JSON.parse(row.environment) as Record<string, string>,
    timeAllocationMs: row.time_allocation_ms,
    phase: row.phase,
    startedAt: row.started_at,
    deadline: row.deadline,
    stopReason: row.stop_reason,
    stopRequestedAt: row.stop_requested_at,
  };
}
