import { describe, expect, it } from 'vitest';
import { type SlurmJob } from './job-listing.js';
import { type SlurmNode } from './node-listing.js';
import { utilizationOf } from './utilization.js';

const node = (name: string, partitions: string[], allocatedCpus: number): SlurmNode => ({
  name,
  cpus: 8,
  allocatedCpus,
  memoryMb: 1024,
  allocatedMemoryMb: allocatedCpus * 100,
  partitions,
});

const job = (state: string, partition: string): SlurmJob => ({
  id: 1,
  name: 'x',
  comment: '',
  state,
  reason: 'None',
  exit: null,
  startTime: null,
  endTime: null,
  timeLimitMinutes: null,
  partition,
  nodes: '',
});

describe('utilizationOf', () => {
  it("sums the partitions' nodes once each and counts their running and waiting jobs", () => {
    const nodes = [node('a', ['batch', 'long'], 4), node('b', ['batch'], 2), node('c', ['gpu'], 8)];
    const jobs = [
      job('RUNNING', 'batch'),
      job('RUNNING', 'gpu'),
      job('PENDING', 'gpu,long'),
      job('PENDING', 'batch'),
      job('COMPLETED', 'batch'),
      job('SUSPENDED', 'long'),
    ];
    expect(utilizationOf(nodes, jobs, new Set(['batch', 'long']))).toEqual({
      capacityCpu: 16,
      capacityMemoryBytes: 2048 * 1024 ** 2,
      usedCpu: 6,
      usedMemoryBytes: 600 * 1024 ** 2,
      running: 1,
      pending: 2,
    });
  });
});
