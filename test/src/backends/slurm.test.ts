import { SLURM_PRODUCT, slurmCluster, useSlurmStack } from '../slurm-harness.js';
import { acmeBatchOn, backendSuite } from './suite.js';

const cluster = await slurmCluster();

backendSuite({
  name: 'slurm',
  plugin: 'slurm',
  unavailable: cluster.ok ? null : cluster.reason,
  useStack: () => useSlurmStack(cluster),
  product: SLURM_PRODUCT,
  ...acmeBatchOn(SLURM_PRODUCT),
  exitStatus: (code) =>
    new RegExp(`^The job exited with code ${code} \\(Slurm job \\d+: COMPLETED\\)$`),
  expiredStatus: /^Your job has reached its time limit \(Slurm job \d+: TIMEOUT, TimeLimit\)$/,
  suspension: true,
  // Slurm counts whole minutes and checks limits every 30 s: a job ends 60 to 90 s after it started.
  shortAllocation: { hours: 0, minutes: 1, seconds: 0 },
  expiryWithinMs: 180_000,
});
