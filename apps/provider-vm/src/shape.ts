import { InvalidArgumentError } from '@ucloud/provider-sdk';

const MIB = 1024 ** 2;
/** The memory of a VM whose job and product say none (0: no limit, which a VM cannot have). */
export const DEFAULT_MEMORY_MIB = 512;
/** Less does not boot a kernel. */
const MIN_MEMORY_MIB = 64;

/** A VM's size: QEMU's `-smp` and `-m`. */
export interface VmShape {
  cpus: number;
  memoryMiB: number;
}

/**
 * The VM of one rank of a job with `cpu` CPUs and `memoryBytes` (per replica; 0: unset): whole
 * CPUs, at least one, and memory in MiB. Refuses memory a kernel cannot boot in.
 */
export function vmShape(job: { cpu: number; memoryBytes: number }): VmShape {
  const memoryMiB = job.memoryBytes > 0 ? Math.floor(job.memoryBytes / MIB) : DEFAULT_MEMORY_MIB;
  if (memoryMiB < MIN_MEMORY_MIB) {
    throw new InvalidArgumentError(
      `A VM needs at least ${MIN_MEMORY_MIB} MiB of memory; the job asks for ${memoryMiB} MiB`,
    );
  }
  return { cpus: Math.max(1, Math.ceil(job.cpu)), memoryMiB };
}
