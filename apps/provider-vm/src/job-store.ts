import {
  LifecycleJobStore,
  lifecycleJobsTable,
  type LifecycleJob,
  type LifecycleRow,
  type Migration,
  type NewLifecycleJob,
} from '@ucloud/provider-sdk';
import { z } from 'zod';

export interface JobRecord extends LifecycleJob {
  /** The image's name: a folder of the image directory. */
  image: string;
  argv: string[];
  environment: Record<string, string>;
  /** Each rank's VNC password (1-8 characters), set in its QEMU over QMP at start. */
  vncPasswords: string[];
}

export type NewJob = NewLifecycleJob &
  Pick<JobRecord, 'image' | 'argv' | 'environment' | 'vncPasswords'>;

interface JobRow extends LifecycleRow {
  image: string;
  argv: string;
  environment: string;
  vnc_passwords: string;
}

const Strings = z.array(z.string());
const Environment = z.record(z.string(), z.string());

/** The schema, one step a version (see the SDK's `openVersionedSqlite`): append a step to change it. */
const MIGRATIONS: Migration[] = [
  lifecycleJobsTable([
    'image TEXT NOT NULL',
    'argv TEXT NOT NULL',
    'environment TEXT NOT NULL',
    'vnc_passwords TEXT NOT NULL',
  ]),
];

/** The plugin's record of its jobs (vm.db): what each was started with, where it is. */
export class JobStore extends LifecycleJobStore<JobRecord, JobRow> {
  constructor(file: string) {
    super(file, MIGRATIONS);
  }

  insert(job: NewJob): void {
    this.insertJob(job, {
      image: job.image,
      argv: JSON.stringify(job.argv),
      environment: JSON.stringify(job.environment),
      vnc_passwords: JSON.stringify(job.vncPasswords),
    });
  }

  protected complete(job: LifecycleJob, row: JobRow): JobRecord {
    return {
      ...job,
      image: row.image,
      argv: Strings.parse(JSON.parse(row.argv)),
      environment: Environment.parse(JSON.parse(row.environment)),
      vncPasswords: Strings.parse(JSON.parse(row.vnc_passwords)),
    };
  }
}
