import { exitStatus, stoppedOutcome, type Outcome, type StopReason } from '@ucloud/provider-sdk';

/** The native plugin's own status texts; the common ones are the SDK's LIFECYCLE_STATUS. */
export const STATUS = {
  vanishedWhileDown: "The job's processes disappeared while the plugin was down",
  vanished: "The job's processes ended without recording an exit code",
  interruptedStart: 'The plugin stopped while the job was starting',
} as const;

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
  const stopped = stoppedOutcome(job.stopReason);
  if (stopped) return stopped;
  const codes = job.exitCodes.filter((c): c is number => c !== null);
  if (codes.length < job.exitCodes.length) {
    return {
      state: 'FAILURE',
      status: job.observedLive ? STATUS.vanished : STATUS.vanishedWhileDown,
    };
  }
  return { state: 'SUCCESS', status: exitStatus(codes.map((code) => ({ code }))) };
}
