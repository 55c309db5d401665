import {
  forbidden,
  notFound,
  type Permission,
  type ProjectRole,
  type ResourceAclEntry,
} from '@ucloud/contracts';
import type { JobRow } from './job-view.js';

/** The caller as access decisions need them: their project roles and group memberships. */
export interface Viewer {
  username: string;
  roles: ReadonlyMap<string, ProjectRole>;
  groups: ReadonlySet<string>;
}

/**
 * The one place that decides who may do what with a job.
 * - A personal job: its creator holds ADMIN (everything, including changing the ACL); other users
 *   hold what the ACL grants them.
 * - A project job: only members see it. The PI and admins hold ADMIN, as does the member who
 *   started it; other members hold what the ACL grants to groups they belong to. Leaving the
 *   project ends all of it.
 * READ lets one see and follow a job; EDIT also terminate, extend, suspend and open sessions.
 */
export function permissionsOf(
  row: JobRow,
  viewer: Viewer,
  acl: readonly ResourceAclEntry[],
): Permission[] {
  if (row.ownerProject === null) {
    if (row.ownerUsername === viewer.username) return ['ADMIN'];
  } else {
    const role = viewer.roles.get(row.ownerProject);
    if (role === undefined) return [];
    if (role !== 'USER' || row.ownerUsername === viewer.username) return ['ADMIN'];
  }
  const granted = new Set<Permission>();
  for (const { entity, permissions } of acl) {
    const mine =
      entity.type === 'user'
        ? entity.username === viewer.username && row.ownerProject === null
        : entity.projectId === row.ownerProject && viewer.groups.has(entity.group);
    if (mine) for (const p of permissions) granted.add(p);
  }
  return [...granted];
}

export function allows(permissions: readonly Permission[], needed: Permission): boolean {
  if (permissions.includes('ADMIN')) return true;
  if (needed === 'READ') return permissions.includes('READ') || permissions.includes('EDIT');
  return permissions.includes(needed);
}

/** Throws 404 when the caller may not even see the job, 403 when it may see but not do `needed`. */
export function authorize(
  row: JobRow | undefined,
  permissions: readonly Permission[],
  needed: Permission,
  field: string,
  id: string,
): asserts row is JobRow {
  if (!row || !allows(permissions, 'READ'))
    throw notFound(`${field}: no job with id ${JSON.stringify(id)}`);
  if (!allows(permissions, needed))
    throw forbidden(`${field}: job ${id} is shared with you without ${needed} permission`);
}
