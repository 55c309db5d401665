import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type LogStreamName } from '@ucloud/provider-sdk';

/**
 * The files of one rank's VM in the job's directory. All are derived from the directory and the
 * rank, so a restarted plugin finds its VMs again, and the VNC socket of a rank is known to
 * anyone who knows the job.
 */
export interface RankFiles {
  /** The guest's console (ttyS0): the rank's stdout. */
  stdout: string;
  /** Why QEMU could not start, if it could not; else empty. */
  stderr: string;
  /** The guest's ttyS1: `ucloud: exit status N` once the job's command has ended. */
  exitLog: string;
  qmpSocket: string;
  vncSocket: string;
  /** The guest's shell port (ttyS2) and its control port (ttyS3), see serial-shell.ts. */
  shellSocket: string;
  shellControlSocket: string;
  pidFile: string;
  /** The base initramfs followed by the job's parameters. */
  initrd: string;
  /** The copy-on-write overlay of a disk image. */
  overlay: string;
}

export function rankFiles(jobDir: string, rank: number): RankFiles {
  const file = (suffix: string) => join(jobDir, `rank-${rank}.${suffix}`);
  return {
    stdout: file('stdout'),
    stderr: file('stderr'),
    exitLog: file('exit'),
    qmpSocket: file('qmp'),
    vncSocket: file('vnc'),
    shellSocket: file('shell'),
    shellControlSocket: file('shellctl'),
    pidFile: file('pid'),
    initrd: file('initrd.gz'),
    overlay: file('qcow2'),
  };
}

export const logFileOf = (files: RankFiles, stream: LogStreamName) =>
  stream === 'stdout' ? files.stdout : files.stderr;

/**
 * The pid of the QEMU that `pidFile` names, if it still runs. Its command line must name the pid
 * file: a pid reused by another process after QEMU exited does not pass, nor a zombie (whose
 * command line is empty).
 */
export function runningQemu(pidFile: string): number | null {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.includes(pidFile) ? pid : null;
  } catch {
    return null;
  }
}
