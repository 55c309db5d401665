import { readFile, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { InvalidArgumentError } from '@ucloud/provider-sdk';
import { newcArchive } from './cpio.js';
import { shellExports, shellQuoteArgv } from './shell.js';

/** What the guest's /init needs to run one rank of a job (see scripts/vm-image.sh). */
export interface JobParameters {
  jobId: string;
  rank: number;
  numberOfNodes: number;
  /** The job's own variables; the UCLOUD_ ones above win over any of the same name. */
  environment: Readonly<Record<string, string>>;
  argv: readonly string[];
}

/** /ucloud/job.env: the job's variables, then UCLOUD_JOB_ID, UCLOUD_RANK, UCLOUD_NUMBER_OF_NODES. */
export function renderJobEnv(params: JobParameters): string {
  return shellExports({
    ...params.environment,
    UCLOUD_JOB_ID: params.jobId,
    UCLOUD_RANK: String(params.rank),
    UCLOUD_NUMBER_OF_NODES: String(params.numberOfNodes),
  });
}

/** /ucloud/command: the argv, shell-quoted, on one line (an argument's own newlines aside). */
export function renderCommand(argv: readonly string[]): string {
  if (argv.length === 0) throw new InvalidArgumentError('a job needs a command');
  return `${shellQuoteArgv(argv)}\n`;
}

/** The per-job initramfs alone: /ucloud/job.env and /ucloud/command, gzip-compressed newc. */
export function jobInitramfs(params: JobParameters): Buffer {
  return gzipSync(
    newcArchive([
      { kind: 'directory', path: 'ucloud', mode: 0o700 },
      { kind: 'file', path: 'ucloud/job.env', data: renderJobEnv(params), mode: 0o600 },
      { kind: 'file', path: 'ucloud/command', data: renderCommand(params.argv), mode: 0o600 },
    ]),
  );
}

/**
 * Writes the initrd QEMU boots one rank with: the base image's initramfs followed by the job's.
 * x86 QEMU takes a single -initrd file; the kernel unpacks concatenated archives in order, so the
 * job's files land on top of the base's. Mode 0600: the environment may hold secrets.
 */
export async function writeJobInitrd(
  baseInitrd: string,
  params: JobParameters,
  out: string,
): Promise<void> {
  const base = await readFile(baseInitrd);
  await writeFile(out, Buffer.concat([base, jobInitramfs(params)]), { mode: 0o600 });
}
