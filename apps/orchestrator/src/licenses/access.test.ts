import { describe, expect, it } from 'vitest';
import { canManage, canUse, type LicenseRow } from './access.js';

const license = (ownerProject: string | null, deletedAt: number | null = null) =>
  ({ id: 1, ownerUsername: 'alice', ownerProject, deletedAt }) as LicenseRow;

describe('license access', () => {
  it('lets only its owner use a personal license, in the personal workspace', () => {
    expect(canUse(license(null), { username: 'alice', project: null, role: null })).toBe(true);
    expect(canUse(license(null), { username: 'bob', project: null, role: null })).toBe(false);
    expect(canUse(license(null), { username: 'alice', project: 'p', role: 'PI' })).toBe(false);
  });

  it('lets every current member use a project license, and nobody a deactivated one', () => {
    expect(canUse(license('p'), { username: 'bob', project: 'p', role: 'USER' })).toBe(true);
    expect(canUse(license('p'), { username: 'bob', project: 'p', role: null })).toBe(false);
    expect(canUse(license('p', 5), { username: 'alice', project: 'p', role: 'PI' })).toBe(false);
  });

  it('lets the activating user and project managers deactivate it', () => {
    expect(canManage(license('p'), { username: 'alice', project: 'p', role: 'USER' })).toBe(true);
    expect(canManage(license('p'), { username: 'bob', project: 'p', role: 'USER' })).toBe(false);
    expect(canManage(license('p'), { username: 'carol', project: 'p', role: 'ADMIN' })).toBe(true);
  });
});
