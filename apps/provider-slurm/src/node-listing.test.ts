import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScontrolNodes, parseSinfoJson } from './node-listing.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');

describe('node listings', () => {
  it('reads sinfo --json of Slurm 22.05', () => {
    expect(parseSinfoJson(fixture('sinfo-22.05.json'))).toEqual([
      {
        name: 'vm',
        cpus: 8,
        allocatedCpus: 1,
        memoryMb: 8192,
        allocatedMemoryMb: 100,
        partitions: ['batch'],
      },
    ]);
  });

  it('reads scontrol -o show node alike', () => {
    expect(parseScontrolNodes(fixture('scontrol-nodes-22.05.txt'))).toEqual(
      parseSinfoJson(fixture('sinfo-22.05.json')),
    );
  });
});
