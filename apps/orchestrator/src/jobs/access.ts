import { forbidden, notFound, type Permission } from '@ucloud/contracts';
import type { JobRow } from './job-view.js';

/**
 * The one place that decides who may do what with a job. The owner holds ADMIN (everything,
 * including changing the ACL); others hold what the ACL grants: READ (see, follow) or EDIT
 * (also terminate, extend, suspend). Without READ a job does not exist for the caller (404).
 */
export function permissionsOf(
  row: JobRow,
  username: string,
  granted: readonly Permission[],
): Permission[] {
  return row.ownerUsername === username ? ['ADMIN'] : [...granted];
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
