import { type JobStateName } from '@ucloud/provider-sdk';
import { type SlurmJob } from './job-listing.js';

export type ActiveState = Extract<JobStateName, 'IN_QUEUE' | 'RUNNING' | 'SUSPENDED'>;

/** What a Slurm state means for the job: still going (in which of our states), ending, or over. */
export type Phase =
  | { kind: 'active'; state: ActiveState }
  /** The job is over but Slurm is still cleaning up; its final state follows. */
  | { kind: 'ending' }
  | { kind: 'ended' }
  /** A state this plugin does not know; the job is left as it was. */
  | { kind: 'unknown' };

const ACTIVE: Record<string, ActiveState> = {
  PENDING: 'IN_QUEUE',
  CONFIGURING: 'IN_QUEUE', // allocated, nodes still booting
  REQUEUED: 'IN_QUEUE',
  REQUEUE_HOLD: 'IN_QUEUE',
  REQUEUE_FED: 'IN_QUEUE',
  RESV_DEL_HOLD: 'IN_QUEUE',
  SPECIAL_EXIT: 'IN_QUEUE', // requeued and held
  RUNNING: 'RUNNING',
  RESIZING: 'RUNNING',
  SIGNALING: 'RUNNING',
  SUSPENDED: 'SUSPENDED',
  STOPPED: 'SUSPENDED',
};

const ENDING = new Set(['COMPLETING', 'STAGE_OUT']);

const ENDED = new Set([
  'COMPLETED',
  'FAILED',
  'OUT_OF_MEMORY',
  'CANCELLED',
  'TIMEOUT',
  'DEADLINE',
  'NODE_FAIL',
  'BOOT_FAIL',
  'PREEMPTED',
  'REVOKED',
]);

export function phaseOf(slurmState: string): Phase {
  const active = ACTIVE[slurmState];
  if (active) return { kind: 'active', state: active };
  if (ENDING.has(slurmState)) return { kind: 'ending' };
  if (ENDED.has(slurmState)) return { kind: 'ended' };
  return { kind: 'unknown' };
}

export const STATUS = {
  running: 'Your job is now running!',
  suspended: (slurmId: number) => `The job has been suspended (Slurm job ${slurmId})`,
  requeued: (slurmId: number) => `Slurm put the job back in its queue (Slurm job ${slurmId})`,
  cancelled: 'Your job has been cancelled!',
  vanished: (slurmId: number) =>
    `Slurm job ${slurmId} disappeared from Slurm's view before the plugin saw it end; how it ended is unknown`,
} as const;

export interface Outcome {
  state: JobStateName;
  status: string;
}

export interface EndedJob {
  slurm: SlurmJob;
  /** Whether UCloud asked for the job to be cancelled. */
  cancelRequested: boolean;
  /** A job without a time allocation cannot EXPIRE; a partition time limit ends it as SUCCESS. */
  hasTimeAllocation: boolean;
}

/**
 * How a job Slurm has finished is reported. As in the spec, the user's own exit code never makes
 * a job FAILURE: only the scheduler's fault does (a node or its boot failing, preemption).
 */
export function outcomeOf({ slurm, cancelRequested, hasTimeAllocation }: EndedJob): Outcome {
  const reason = slurm.reason && slurm.reason !== 'None' ? `, ${slurm.reason}` : '';
  const detail = `(Slurm job ${slurm.id}: ${slurm.state}${reason})`;
  switch (slurm.state) {
    case 'COMPLETED':
    case 'FAILED':
      return { state: 'SUCCESS', status: `${exitText(slurm)} ${detail}` };
    case 'OUT_OF_MEMORY':
      return { state: 'SUCCESS', status: `The job ran out of memory ${detail}` };
    case 'CANCELLED':
      return cancelRequested
        ? { state: 'SUCCESS', status: STATUS.cancelled }
        : {
            state: 'SUCCESS',
            status: `Slurm job ${slurm.id} was cancelled outside UCloud (e.g. with scancel)`,
          };
    case 'TIMEOUT':
    case 'DEADLINE':
      return hasTimeAllocation
        ? { state: 'EXPIRED', status: `Your job has reached its time limit ${detail}` }
        : { state: 'SUCCESS', status: `Slurm stopped the job at its partition's limit ${detail}` };
    case 'PREEMPTED':
      return { state: 'FAILURE', status: `Slurm preempted the job for another ${detail}` };
    default:
      // NODE_FAIL, BOOT_FAIL, REVOKED: the cluster failed the job.
      return { state: 'FAILURE', status: `Slurm could not run the job to its end ${detail}` };
  }
}

function exitText(job: SlurmJob): string {
  if (job.exit === null) return 'The job ended';
  if (job.exit.signal !== 0) return `The job was killed by signal ${job.exit.signal}`;
  return `The job exited with code ${job.exit.code}`;
}

/** Whether the job ever got nodes: a job cancelled while pending never ran. */
export const everRan = (job: SlurmJob): boolean => job.nodes !== '';

/**
 * When the job started, by Slurm's StartTime. Null for a job that never ran, whose StartTime is
 * an estimate (pending) or when it was cancelled.
 */
export const startedAt = (job: SlurmJob): number | null => (everRan(job) ? job.startTime : null);

/**
 * When the job ended, by Slurm's EndTime. Null until it has: before that, EndTime is an
 * estimate (StartTime + TimeLimit) or Unknown.
 */
export const endedAt = (job: SlurmJob): number | null =>
  phaseOf(job.state).kind === 'ended' ? job.endTime : null;
