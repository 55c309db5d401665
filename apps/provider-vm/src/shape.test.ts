import { InvalidArgumentError } from '@ucloud/provider-sdk';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MEMORY_MIB, vmShape } from './shape.js';

describe("a VM's size from the job's product", () => {
  it('gives whole CPUs and memory in MiB, with defaults for what is unset', () => {
    expect(vmShape({ cpu: 2, memoryBytes: 4 * 1024 ** 3 })).toEqual({ cpus: 2, memoryMiB: 4096 });
    expect(vmShape({ cpu: 0.5, memoryBytes: 0 })).toEqual({
      cpus: 1,
      memoryMiB: DEFAULT_MEMORY_MIB,
    });
  });

  it('refuses memory a kernel cannot boot in', () => {
    expect(() => vmShape({ cpu: 1, memoryBytes: 32 * 1024 ** 2 })).toThrow(InvalidArgumentError);
  });
});
