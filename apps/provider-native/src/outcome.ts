import { type JobStateName } from '@ucloud/provider-sdk';
import { type StopReason } from '@ucloud/provider-sdk';

export const STATUS = {
  running: 'Your job is now running!',
  suspended: 'The job has been suspended',
  cancelled: 'Your job has been cancelled!',
  expired: 'Your job has reached its time limit',
  vanishedWhileDown: "The job's processes disappeared while the plugin was down",
  vanished: "The job's processes ended without recording an exit code",
  interruptedStart: 'The plugin stopped while the job was starting',
} as const;

export interface Outcome {
  state: JobStateName;
  status: string;
}

export interface EndedJob {
  stopReason: StopReason | null;
  /** Per rank, the recorded exit code or null. */
  exitCodes: Array<number | null>;
  /** Whether the plugin saw the processes end, rather than finding them gone after a restart. */
  observedLive: boolean;
}

/**
 * How a job whose processes are all gone is reported. The user's exit code never makes a job
 * fail (the spec: a job fails only through the scheduler's fault); losing track of it does.
 */
export function outcomeOf(job: EndedJob): Outcome {
  if (job.stopReason === 'EXPIRED') return { state: 'EXPIRED', status: STATUS.expired };
  if (job.stopReason === 'CANCELLED') return { state: 'SUCCESS', status: STATUS.cancelled };
  const codes = job.exitCodes.filter((c): c is number => c !== null);
  if (codes.length < job.exitCodes.length) {
    return {
      state: 'FAILURE',
      status: job.observedLive ? STATUS.vanished : STATUS.vanishedWhileDown,
    };
  }
  return { state: 'SUCCESS', status: exitStatus(codes) };
}

/** "The job exited with code 0", or per rank when the ranks disagree. */
export function exitStatus(codes: number[]): string {
  const first = codes[0];
  if (first === undefined) return 'The job exited';
  if (codes.every((c) => c === first)) {
    const ranks = codes.length > 1 ? ` on all ${codes.length} ranks` : '';
    return `The job exited with code ${describeCode(first)}${ranks}`;
  }
  const perRank = codes.map((c, rank) => `${describeCode(c)} on rank ${rank}`).join(', ');
  return `The job exited with code ${perRank}`;
}

/** The shell reports death by signal N as 128 + N. */
function describeCode(code: number): string {
  return code > 128 && code < 160 ? `${code} (signal ${code - 128})` : String(code);
}
