import { FailedPreconditionError } from '@ucloud/provider-sdk';
import { type ProductConfig } from './config.js';

/**
 * The node a shell into `rank` goes to, given the job's hosts in Slurm's order (`scontrol show
 * hostnames`); null leaves it to srun. With a node per rank the batch script's srun runs rank N
 * on the Nth node. Packed ranks share nodes in a layout squeue does not show: a job on one node
 * has them all there, and on several nodes srun picks the node (not necessarily the rank's).
 */
export function rankNode(
  hosts: string[],
  rank: number,
  placement: ProductConfig['placement'],
): string | null {
  if (placement === 'packed') return hosts.length === 1 ? (hosts[0] ?? null) : null;
  const host = hosts[rank];
  if (host === undefined) {
    throw new FailedPreconditionError(
      `Slurm lists no node for rank ${rank} (${hosts.length} nodes)`,
    );
  }
  return host;
}
