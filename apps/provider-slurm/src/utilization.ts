import { type Utilization } from '@ucloud/provider-sdk';
import { type SlurmJob } from './job-listing.js';
import { type SlurmNode } from './node-listing.js';
import { phaseOf } from './slurm-states.js';

const MIB = 1024 ** 2;

/**
 * Capacity and use of the nodes in `partitions` (each node once, even when it is in several),
 * and how many jobs of those partitions run and wait. Counts every user's jobs, not only ours:
 * it is the cluster's load a user's job competes with.
 */
export function utilizationOf(
  nodes: SlurmNode[],
  jobs: SlurmJob[],
  partitions: ReadonlySet<string>,
): Utilization {
  const inScope = nodes.filter((n) => n.partitions.some((p) => partitions.has(p)));
  const sum = (f: (n: SlurmNode) => number) => inScope.reduce((total, n) => total + f(n), 0);
  // A pending job may name several partitions ("batch,long").
  const ours = jobs.filter((j) => j.partition.split(',').some((p) => partitions.has(p)));
  const count = (state: string) =>
    ours.filter((j) => {
      const phase = phaseOf(j.state);
      return phase.kind === 'active' && phase.state === state;
    }).length;
  return {
    capacityCpu: sum((n) => n.cpus),
    capacityMemoryBytes: sum((n) => n.memoryMb) * MIB,
    usedCpu: sum((n) => n.allocatedCpus),
    usedMemoryBytes: sum((n) => n.allocatedMemoryMb) * MIB,
    running: count('RUNNING'),
    pending: count('IN_QUEUE'),
  };
}
