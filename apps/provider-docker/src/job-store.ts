import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  LifecycleJobStore,
  lifecycleJobsTable,
  type LifecycleJob,
  type LifecycleRow,
  type Migration,
  type NewLifecycleJob,
  type Peer,
} from '@ucloud/provider-sdk';

export interface JobRecord extends LifecycleJob {
  image: string;
  argv: string[];
  environment: Record<string, string>;
  /** Jobs whose containers this job's reach by the peers' hostnames. */
  peers: Peer[];
  /** Where a web application listens in each rank's container; null for other applications. */
  webPort: number | null;
}

export type NewJob = NewLifecycleJob &
  Pick<JobRecord, 'image' | 'argv' | 'environment' | 'peers' | 'webPort'>;

interface JobRow extends LifecycleRow {
  image: string;
  /** JSON */
  argv: string;
  /** JSON */
  environment: string;
  /** JSON */
  peers: string;
  web_port: number | null;
}

/** The schema, one step a version (see the SDK's `openVersionedSqlite`): append a step to change it. */
const MIGRATIONS: Migration[] = [
  lifecycleJobsTable(['image TEXT NOT NULL', 'argv TEXT NOT NULL', 'environment TEXT NOT NULL']),
  `ALTER TABLE jobs ADD COLUMN peers TEXT NOT NULL DEFAULT '[]'`,
  `ALTER TABLE jobs ADD COLUMN web_port INTEGER`,
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

/** The plugin's record of its jobs (docker.db): what each was started with, where it is. */
export class JobStore extends LifecycleJobStore<JobRecord, JobRow> {
  constructor(file: string) {
    super(file, MIGRATIONS);
  }

  insert(job: NewJob): void {
    this.insertJob(job, {
      image: job.image,
      argv: JSON.stringify(job.argv),
      environment: JSON.stringify(job.environment),
      peers: JSON.stringify(job.peers),
      web_port: job.webPort,
    });
  }

  protected complete(job: LifecycleJob, row: JobRow): JobRecord {
    return {
      ...job,
      image: row.image,
      argv: JSON.parse(row.argv) as string[],
      environment: JSON.parse(row.environment) as Record<string, string>,
      peers: JSON.parse(row.peers) as Peer[],
      webPort: row.web_port,
    };
  }
}
