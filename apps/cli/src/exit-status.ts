import type { JobState } from '@ucloud/contracts';

/**
 * Exit codes of the commands that wait for a job to end (`follow`, `logs`, `run --follow`),
 * chosen so that a script can treat `ucloud run … --follow` like running the command itself.
 * README "Exit codes" lists them with the CLI's own.
 */
export const EXIT = {
  ok: 0,
  /** The server refused the request, or could not be reached. */
  refused: 1,
  /** A bad command line or config file. */
  usage: 2,
  /** The job ran out of its time allocation: as timeout(1). */
  expired: 124,
  /** The job failed to run (refused by its provider, lost): as `docker run`. */
  failed: 125,
  /** Interrupted (Ctrl-C) while waiting: 128 + SIGINT; the job goes on. */
  interrupted: 130,
  /** Terminated (cancelled) before it ended by itself: 128 + SIGTERM. */
  terminated: 143,
} as const;

/** The first non-zero exit code in a status such as "The job exited with code 0 on rank 0, 3 on rank 1". */
function exitCodeIn(status: string): number | null {
  const exited = /exited with code (.*)$/.exec(status);
  if (exited?.[1] === undefined) return null;
  const codes = [...exited[1].matchAll(/(?:^|, )(\d+)/g)].map((m) => Number(m[1]));
  if (codes.length === 0) return null;
  return codes.find((c) => c !== 0) ?? 0;
}

/**
 * The command's exit code for a job that ended in `state` with the provider's `status` text: the
 * job's own exit code where the provider reports it (native and Slurm do: "The job exited with
 * code 3"; the first non-zero of several ranks), 128 + N for a job killed by signal N.
 */
export function exitCodeOf(state: JobState, status: string | null): number {
  if (state === 'EXPIRED') return EXIT.expired;
  if (state === 'FAILURE') return EXIT.failed;
  const text = status ?? '';
  const code = exitCodeIn(text);
  if (code !== null) return code > 255 ? EXIT.failed : code;
  const signal = /killed by signal (\d+)/.exec(text)?.[1];
  if (signal !== undefined) return 128 + Number(signal);
  if (/cancelled|terminated/i.test(text)) return EXIT.terminated;
  return EXIT.ok;
}
