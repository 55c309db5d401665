import { LifecycleJobStore, lifecycleJobsTable } from '@ucloud/provider-sdk';
import type { LifecycleJob, LifecycleRow, Migration, NewLifecycleJob } from '@ucloud/provider-sdk';
import { z } from 'zod';

/** What a job's VMs are booted with, kept as one JSON column. */
const Launch = z.object({
  argv: z.array(z.string()),
  environment: z.record(z.string(), z.string()),
  /** Each rank's VNC password (1-8 characters), set in its QEMU over QMP at start. */
  vncPasswords: z.array(z.string()),
});
type Launch = z.infer<typeof Launch>;

export interface JobRecord extends LifecycleJob, Launch {
  /** The image's name: a folder of the image directory. */
  image: string;
}

export type NewJob = NewLifecycleJob & Launch & { image: string };

interface JobRow extends LifecycleRow {
  image: string;
  /** JSON of Launch */
  launch: string;
}

/** The schema, one step a version (see the SDK's `openVersionedSqlite`): append a step to change it. */
const MIGRATIONS: Migration[] = [
  lifecycleJobsTable(['image TEXT NOT NULL', 'launch TEXT NOT NULL']),
];

/** The plugin's record of its jobs (vm.db): what each was started with, where it is. */
export class JobStore extends LifecycleJobStore<JobRecord, JobRow> {
  constructor(file: string) {
    super(file, MIGRATIONS);
  }

  /** Records a new job as STARTING and returns its record. */
  insert(job: NewJob): JobRecord {
    const launch: Launch = {
      argv: job.argv,
      environment: job.environment,
      vncPasswords: job.vncPasswords,
    };
    this.insertJob(job, { image: job.image, launch: JSON.stringify(launch) });
    const recorded = this.get(job.jobId);
    if (recorded === undefined) throw new Error(`job ${job.jobId} was not recorded`);
    return recorded;
  }

  protected complete(job: LifecycleJob, row: JobRow): JobRecord {
    return { ...job, image: row.image, ...Launch.parse(JSON.parse(row.launch)) };
  }
}
