import {
  LifecycleJobStore,
  type JobPhase,
  type Migration,
  type SqliteDatabase,
  type StopReason,
} from '@ucloud/provider-sdk';
import { type LaunchedRank } from './launcher.js';

export interface JobRecord {
  jobId: string;
  productCategory: string;
  replicas: number;
  /** Per replica. */
  cpu: number;
  memoryBytes: number;
  timeAllocationMs: number | null;
  phase: JobPhase;
  /** When every rank had been launched (epoch ms); the time allocation counts from here. */
  startedAt: number | null;
  deadline: number | null;
  stopReason: StopReason | null;
  stopRequestedAt: number | null;
  ranks: RankRecord[];
}

export interface RankRecord extends LaunchedRank {
  port: number | null;
}

export type NewJob = Pick<
  JobRecord,
  'jobId' | 'productCategory' | 'replicas' | 'cpu' | 'memoryBytes' | 'timeAllocationMs'
>;

/** A row of `jobs` (MIGRATIONS below): only this class writes the table, with these types. */
interface JobRow {
  job_id: string;
  product_category: string;
  replicas: number;
  cpu: number;
  memory_bytes: number;
  time_allocation_ms: number | null;
  phase: JobPhase;
  started_at: number | null;
  deadline: number | null;
  stop_reason: StopReason | null;
  stop_requested_at: number | null;
}

const SCHEMA_1 = `
  CREATE TABLE IF NOT EXISTS jobs (
    job_id TEXT PRIMARY KEY,
    product_category TEXT NOT NULL,
    replicas INTEGER NOT NULL,
    cpu REAL NOT NULL,
    memory_bytes INTEGER NOT NULL,
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
  CREATE TABLE IF NOT EXISTS ranks (
    job_id TEXT NOT NULL REFERENCES jobs (job_id),
    rank INTEGER NOT NULL,
    pid INTEGER NOT NULL,
    start_time TEXT NOT NULL,
    port INTEGER,
    PRIMARY KEY (job_id, rank)
  );
`;

/**
 * The schema, one step a version (see `openVersionedSqlite`): append a step to change it. The
 * first accepts the databases of before versioning, those of before web sessions without `port`.
 */
const MIGRATIONS: Migration[] = [
  (db: SqliteDatabase) => {
    db.exec(SCHEMA_1);
    const columns = db.prepare<[], { name: string }>(`PRAGMA table_info(ranks)`).all();
    if (!columns.some((c) => c.name === 'port'))
      db.exec(`ALTER TABLE ranks ADD COLUMN port INTEGER`);
  },
];

/** The plugin's record of its jobs, so a restarted plugin can find and re-attach to them. */
export class JobStore extends LifecycleJobStore {
  constructor(file: string) {
    super(file, MIGRATIONS);
  }

  get(jobId: string): JobRecord | undefined {
    const row = this.db.prepare<[string], JobRow>(`SELECT * FROM jobs WHERE job_id = ?`).get(jobId);
    return row && this.withRanks(row);
  }

  /** Jobs that have not ended, oldest first. */
  unfinished(): JobRecord[] {
    const rows = this.db
      .prepare<[], JobRow>(`SELECT * FROM jobs WHERE phase != 'ENDED' ORDER BY created_at, job_id`)
      .all();
    return rows.map((row) => this.withRanks(row));
  }

  insert(job: NewJob): void {
    this.db
      .prepare(
        `INSERT INTO jobs (job_id, product_category, replicas, cpu, memory_bytes, time_allocation_ms, phase, created_at)
         VALUES (?, ?, ?, ?, ?, ?, 'STARTING', ?)`,
      )
      .run(
        job.jobId,
        job.productCategory,
        job.replicas,
        job.cpu,
        job.memoryBytes,
        job.timeAllocationMs,
        Date.now(),
      );
  }

  /** `port` is where a web or VNC rank listens (UCLOUD_PORT); null for batch jobs. */
  addRank(jobId: string, rank: LaunchedRank, port: number | null): void {
    this.db
      .prepare(`INSERT INTO ranks (job_id, rank, pid, start_time, port) VALUES (?, ?, ?, ?, ?)`)
      .run(jobId, rank.rank, rank.pid, rank.startTime, port);
  }

  private withRanks(row: JobRow): JobRecord {
    const ranks = this.db
      .prepare<[string], RankRecord>(
        `SELECT rank, pid, start_time AS startTime, port FROM ranks WHERE job_id = ? ORDER BY rank`,
      )
      .all(row.job_id);
    return {
      jobId: row.job_id,
      productCategory: row.product_category,
      replicas: row.replicas,
      cpu: row.cpu,
      memoryBytes: row.memory_bytes,
      timeAllocationMs: row.time_allocation_ms,
      phase: row.phase,
      startedAt: row.started_at,
      deadline: row.deadline,
      stopReason: row.stop_reason,
      stopRequestedAt: row.stop_requested_at,
      ranks,
    };
  }
}
