import { randomBytes } from 'node:crypto';
import { JobStoreBase, type Migration } from '@ucloud/provider-sdk';
import { z } from 'zod';
import { type ActiveState } from './slurm-states.js';

/** What the plugin remembers of a job, so that a restarted plugin re-attaches to it. */
export interface JobRecord {
  jobId: string;
  productId: string;
  productCategory: string;
  replicas: number;
  timeAllocationMs: number | null;
  /** The job's own variables (not UCLOUD_*), for shells: the batch script has them too. */
  environment: Record<string, string>;
  /** Null until sbatch has answered; such a job may or may not have reached Slurm. */
  slurmId: number | null;
  /** When the Slurm id was recorded (epoch ms). */
  submittedAt: number | null;
  /** The last active state reported for the job (IN_QUEUE until Slurm runs it). */
  reportedState: ActiveState;
  /** Whether UCloud asked for the job to end: a CANCELLED job then ended as asked. */
  cancelRequested: boolean;
  ended: boolean;
}

export type NewJob = Pick<
  JobRecord,
  'jobId' | 'productId' | 'productCategory' | 'replicas' | 'timeAllocationMs' | 'environment'
>;

/** A row of `jobs` (MIGRATIONS below): only this class writes the table, with these types. */
interface JobRow {
  job_id: string;
  product_id: string;
  product_category: string;
  replicas: number;
  time_allocation_ms: number | null;
  /** JSON of `environment`. */
  environment: string;
  slurm_id: number | null;
  submitted_at: number | null;
  reported_state: ActiveState;
  cancel_requested_at: number | null;
  ended_at: number | null;
}

/**
 * The schema, one step a version (see `openVersionedSqlite`): append a step to change it. The
 * first, written IF NOT EXISTS, accepts the databases of before versioning.
 */
const MIGRATIONS: Migration[] = [
  `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS jobs (
    job_id TEXT PRIMARY KEY,
    product_id TEXT NOT NULL,
    product_category TEXT NOT NULL,
    replicas INTEGER NOT NULL,
    time_allocation_ms INTEGER,
    slurm_id INTEGER,
    submitted_at INTEGER,
    reported_state TEXT NOT NULL,
    cancel_requested_at INTEGER,
    created_at INTEGER NOT NULL,
    ended_at INTEGER
  );
  CREATE INDEX IF NOT EXISTS jobs_unfinished ON jobs (ended_at, created_at);
  `,
  // Jobs of before have no environment on record: their shells get only the UCLOUD_* variables.
  `ALTER TABLE jobs ADD COLUMN environment TEXT NOT NULL DEFAULT '{}';`,
];

const Environment = z.record(z.string(), z.string());

/** The plugin's jobs and their Slurm ids (job ids restart at 1 on a new cluster: never a key). */
export class JobStore extends JobStoreBase {
  /** Identifies this plugin's jobs in Slurm, across restarts of the plugin. */
  readonly instanceId: string;

  constructor(file: string) {
    super(file, MIGRATIONS);
    this.db
      .prepare(`INSERT OR IGNORE INTO meta (key, value) VALUES ('instance_id', ?)`)
      .run(randomBytes(6).toString('hex'));
    const instance = this.db
      .prepare<[], { value: string }>(`SELECT value FROM meta WHERE key = 'instance_id'`)
      .get();
    if (instance === undefined) throw new Error('The job store has no instance_id');
    this.instanceId = instance.value;
  }

  // Prepared once: a burst of creates and the polls between them use these hundreds of times.
  private readonly byId = this.db.prepare<[string], JobRow>(`SELECT * FROM jobs WHERE job_id = ?`);
  private readonly unfinishedRows = this.db.prepare<[], JobRow>(
    `SELECT * FROM jobs WHERE ended_at IS NULL ORDER BY created_at, job_id`,
  );
  private readonly insertRow = this.db.prepare(
    `INSERT INTO jobs (job_id, product_id, product_category, replicas, time_allocation_ms, environment, reported_state, created_at)
     VALUES (?, ?, ?, ?, ?, ?, 'IN_QUEUE', ?)`,
  );
  private readonly slurmIdUpdate = this.db.prepare(
    `UPDATE jobs SET slurm_id = ?, submitted_at = ? WHERE job_id = ?`,
  );
  private readonly reportedStateUpdate = this.db.prepare(
    `UPDATE jobs SET reported_state = ? WHERE job_id = ?`,
  );
  private readonly endedUpdate = this.db.prepare(`UPDATE jobs SET ended_at = ? WHERE job_id = ?`);

  get(jobId: string): JobRecord | undefined {
    const row = this.byId.get(jobId);
    return row && toRecord(row);
  }

  /** Jobs that have not ended, oldest first. */
  unfinished(): JobRecord[] {
    return this.unfinishedRows.all().map(toRecord);
  }

  insert(job: NewJob): void {
    this.insertRow.run(
      job.jobId,
      job.productId,
      job.productCategory,
      job.replicas,
      job.timeAllocationMs,
      JSON.stringify(job.environment),
      Date.now(),
    );
  }

  setSlurmId(jobId: string, slurmId: number, at: number): void {
    this.slurmIdUpdate.run(slurmId, at, jobId);
  }

  setReportedState(jobId: string, state: ActiveState): void {
    this.reportedStateUpdate.run(state, jobId);
  }

  markCancelRequested(jobId: string): void {
    this.db
      .prepare(
        `UPDATE jobs SET cancel_requested_at = ? WHERE job_id = ? AND cancel_requested_at IS NULL`,
      )
      .run(Date.now(), jobId);
  }

  addTimeAllocation(jobId: string, ms: number): void {
    this.db
      .prepare(`UPDATE jobs SET time_allocation_ms = time_allocation_ms + ? WHERE job_id = ?`)
      .run(ms, jobId);
  }

  markEnded(jobId: string): void {
    this.endedUpdate.run(Date.now(), jobId);
  }
}

function toRecord(row: JobRow): JobRecord {
  return {
    jobId: row.job_id,
    productId: row.product_id,
    productCategory: row.product_category,
    replicas: row.replicas,
    timeAllocationMs: row.time_allocation_ms,
    environment: Environment.parse(JSON.parse(row.environment)),
    slurmId: row.slurm_id,
    submittedAt: row.submitted_at,
    reportedState: row.reported_state,
    cancelRequested: row.cancel_requested_at !== null,
    ended: row.ended_at !== null,
  };
}
