import { exitStatus, stoppedOutcome, type Outcome, type StopReason } from '@ucloud/provider-sdk';

/** How one rank's VM ended: the guest reported its command's exit code, or QEMU ended without. */
export type RankEnd = { code: number; at: number | null } | { failure: string };

const EXIT_LINE = /ucloud: exit status (\d+)\r?\n/g;

/** The exit code in the guest's last `ucloud: exit status N` line, or null when it printed none. */
export function guestExitCode(exitLog: string): number | null {
  const last = [...exitLog.matchAll(EXIT_LINE)].at(-1);
  return last?.[1] === undefined ? null : Number(last[1]);
}

/** QEMU's SHUTDOWN reasons, said for users. */
const SHUTDOWN_REASONS: Record<string, string> = {
  'guest-shutdown': 'the guest powered off before its command ended',
  'guest-reset': 'the guest rebooted before its command ended',
  'guest-panic': 'the guest kernel panicked',
  'host-signal': 'QEMU was stopped by a signal',
  'host-qmp-quit': 'QEMU was told to quit',
};

/**
 * Why a VM ended without the guest reporting an exit status: QEMU's SHUTDOWN reason when the
 * plugin saw the event, else only that QEMU is gone (killed, crashed, or ended while the plugin
 * was down).
 */
export function qemuEndReason(shutdownReason: string | null): string {
  return (
    (shutdownReason === null ? undefined : SHUTDOWN_REASONS[shutdownReason]) ??
    'QEMU exited unexpectedly'
  );
}

/**
 * How a job whose VMs have all ended is reported. A guest that powered off after its command is
 * SUCCESS with the command's exit code, whatever it is; a VM that ended otherwise fails the job,
 * unless the plugin stopped it (terminate, expiry).
 */
export function outcomeOf(stopReason: StopReason | null, ends: RankEnd[]): Outcome {
  const stopped = stoppedOutcome(stopReason);
  if (stopped) return stopped;
  const failures = ends.flatMap((e, rank) =>
    'failure' in e ? [`the VM of rank ${rank} ended: ${e.failure}`] : [],
  );
  if (failures.length > 0) {
    const text = failures.join('; ');
    return { state: 'FAILURE', status: text.charAt(0).toUpperCase() + text.slice(1) };
  }
  return { state: 'SUCCESS', status: exitStatus(ends.filter((e) => 'code' in e)) };
}
