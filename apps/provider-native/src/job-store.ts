import {
  LifecycleJobStore,
  lifecycleJobsTable,
  type LifecycleJob,
  type LifecycleRow,
  type Migration,
  type NewLifecycleJob,
  type SqliteDatabase,
} from '@ucloud/provider-sdk';
import { type LaunchedRank } from './launcher.js';

export interface JobRecord extends LifecycleJob {
  /** The job's own environment (its parameters), for shells opened into its ranks. */
  environment: Record<string, string>;
  ranks: RankRecord[];
}

export interface RankRecord extends LaunchedRank {
  port: number | null;
}

export type NewJob = NewLifecycleJob & Pick<JobRecord, 'environment'>;

interface JobRow extends LifecycleRow {
  /** JSON */
  environment: string;
}

const RANKS_TABLE = `
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
    db.exec(lifecycleJobsTable() + RANKS_TABLE);
    const columns = db.prepare<[], { name: string }>(`PRAGMA table_info(ranks)`).all();
    if (!columns.some((c) => c.name === 'port'))
      db.exec(`ALTER TABLE ranks ADD COLUMN port INTEGER`);
  },
  `ALTER TABLE jobs ADD COLUMN environment TEXT NOT NULL DEFAULT '{}'`,
];

/** The plugin's record of its jobs, so a restarted plugin can find and re-attach to them. */
export class JobStore extends LifecycleJobStore<JobRecord, JobRow> {
  constructor(file: string) {
    super(file, MIGRATIONS);
  }

  insert(job: NewJob): void {
    this.insertJob(job, { environment: JSON.stringify(job.environment) });
  }

  /** `port` is where a web or VNC rank listens (UCLOUD_PORT); null for batch jobs. */
  addRank(jobId: string, rank: LaunchedRank, port: number | null): void {
    this.db
      .prepare(`INSERT INTO ranks (job_id, rank, pid, start_time, port) VALUES (?, ?, ?, ?, ?)`)
      .run(jobId, rank.rank, rank.pid, rank.startTime, port);
  }

  protected complete(job: LifecycleJob, row: JobRow): JobRecord {
    const ranks = this.db
      .prepare<[string], RankRecord>(
        `SELECT rank, pid, start_time AS startTime, port FROM ranks WHERE job_id = ? ORDER BY rank`,
      )
      .all(job.jobId);
    const environment = JSON.parse(row.environment) as Record<string, string>;
    return { ...job, environment, ranks };
  }
}
