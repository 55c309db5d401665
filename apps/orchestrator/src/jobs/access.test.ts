import { describe, expect, it } from 'vitest';
import { allows, authorize, permissionsOf } from './access.js';
import type { JobRow } from './job-view.js';

const row = { id: 1, ownerUsername: 'owner' } as JobRow;

describe('job access', () => {
  it('gives the owner ADMIN and others what they were granted', () => {
    expect(permissionsOf(row, 'owner', [])).toEqual(['ADMIN']);
    expect(permissionsOf(row, 'alice', ['READ'])).toEqual(['READ']);
  });

  it.each([
    [['ADMIN'], 'ADMIN', true],
    [['ADMIN'], 'EDIT', true],
    [['EDIT'], 'READ', true],
    [['EDIT'], 'EDIT', true],
    [['EDIT'], 'ADMIN', false],
    [['READ'], 'READ', true],
    [['READ'], 'EDIT', false],
    [[], 'READ', false],
  ] as const)('%j allows %s: %s', (held, needed, expected) => {
    expect(allows(held, needed)).toBe(expected);
  });

  it('answers 404 without READ and 403 with READ but not the permission needed', () => {
    expect(() => authorize(row, [], 'READ', 'id', '1')).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND' }),
    );
    expect(() => authorize(undefined, ['ADMIN'], 'READ', 'id', '1')).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND' }),
    );
    expect(() => authorize(row, ['READ'], 'EDIT', 'id', '1')).toThrow(
      expect.objectContaining({ code: 'FORBIDDEN' }),
    );
    expect(() => authorize(row, ['EDIT'], 'EDIT', 'id', '1')).not.toThrow();
  });
});
