import { FailedPreconditionError } from '@ucloud/provider-sdk';
import { describe, expect, it } from 'vitest';
import { rankNode } from './rank-node.js';

describe('rankNode', () => {
  it('puts rank N on the Nth node when each rank has a node', () => {
    expect(rankNode(['a', 'b', 'c'], 2, 'node-per-rank')).toBe('c');
    expect(() => rankNode(['a'], 1, 'node-per-rank')).toThrow(FailedPreconditionError);
  });

  it("puts a packed job's rank on its one node, and leaves several nodes to srun", () => {
    expect(rankNode(['a'], 3, 'packed')).toBe('a');
    expect(rankNode(['a', 'b'], 1, 'packed')).toBeNull();
  });
});
