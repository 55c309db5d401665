import type { ProjectRole, ResourceAclEntry } from '@ucloud/contracts';
import { describe, expect, it } from 'vitest';
import { allows, authorize, permissionsOf, type Viewer } from './access.js';
import type { JobRow } from './job-view.js';

const personal = { id: 1, ownerUsername: 'owner', ownerProject: null } as JobRow;
const projectJob = { id: 2, ownerUsername: 'starter', ownerProject: 'p1' } as JobRow;

const viewer = (
  username: string,
  roles: Record<string, ProjectRole> = {},
  groups: string[] = [],
): Viewer => ({ username, roles: new Map(Object.entries(roles)), groups: new Set(groups) });

const userGrant = (username: string, ...permissions: Array<'READ' | 'EDIT'>): ResourceAclEntry => ({
  entity: { type: 'user', username },
  permissions,
});
const groupGrant = (projectId: string, group: string, ...p: Array<'READ' | 'EDIT'>) =>
  ({ entity: { type: 'project_group', projectId, group }, permissions: p }) as ResourceAclEntry;

describe('job access', () => {
  it('gives the owner of a personal job ADMIN and other users what they were granted', () => {
    expect(permissionsOf(personal, viewer('owner'), [])).toEqual(['ADMIN']);
    expect(permissionsOf(personal, viewer('alice'), [userGrant('alice', 'READ')])).toEqual([
      'READ',
    ]);
    expect(permissionsOf(personal, viewer('bob'), [userGrant('alice', 'READ')])).toEqual([]);
  });

  it('gives project managers and the starter ADMIN, members their groups’ grants, others nothing', () => {
    const acl = [groupGrant('p1', 'g1', 'EDIT'), groupGrant('p2', 'g2', 'READ')];
    expect(permissionsOf(projectJob, viewer('pi', { p1: 'PI' }), [])).toEqual(['ADMIN']);
    expect(permissionsOf(projectJob, viewer('adm', { p1: 'ADMIN' }), [])).toEqual(['ADMIN']);
    expect(permissionsOf(projectJob, viewer('starter', { p1: 'USER' }), [])).toEqual(['ADMIN']);
    expect(permissionsOf(projectJob, viewer('m', { p1: 'USER' }, ['g1']), acl)).toEqual(['EDIT']);
    expect(permissionsOf(projectJob, viewer('m', { p1: 'USER' }), acl)).toEqual([]);
    // A group of another project grants nothing here, and neither does a user grant.
    expect(permissionsOf(projectJob, viewer('m', { p1: 'USER' }, ['g2']), acl)).toEqual([]);
    expect(
      permissionsOf(projectJob, viewer('m', { p1: 'USER' }), [userGrant('m', 'EDIT')]),
    ).toEqual([]);
  });

  it('takes everything from a starter who has left the project', () => {
    expect(permissionsOf(projectJob, viewer('starter'), [])).toEqual([]);
    expect(
      permissionsOf(projectJob, viewer('x', {}, ['g1']), [groupGrant('p1', 'g1', 'EDIT')]),
    ).toEqual([]);
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
    expect(() => authorize(personal, [], 'READ', 'id', '1')).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND' }),
    );
    expect(() => authorize(undefined, ['ADMIN'], 'READ', 'id', '1')).toThrow(
      expect.objectContaining({ code: 'NOT_FOUND' }),
    );
    expect(() => authorize(personal, ['READ'], 'EDIT', 'id', '1')).toThrow(
      expect.objectContaining({ code: 'FORBIDDEN' }),
    );
    expect(() => authorize(personal, ['EDIT'], 'EDIT', 'id', '1')).not.toThrow();
  });
});
