import type { ProjectRole } from '@ucloud/contracts';
import type { licenses } from '../db/schema.js';

export type LicenseRow = typeof licenses.$inferSelect;

/** A user acting in a workspace: personal (project null) or a project they may or may not belong to. */
export interface LicenseUser {
  username: string;
  project: string | null;
  /** The user's role in `project`; null when not a member (or in the personal workspace). */
  role: ProjectRole | null;
}

/**
 * The one rule for using a license: it must be active and belong to the workspace the job runs
 * in; a personal license to the same user, a project license to a current member.
 */
export function canUse(license: LicenseRow, user: LicenseUser): boolean {
  if (license.deletedAt !== null || license.ownerProject !== user.project) return false;
  return user.project === null ? license.ownerUsername === user.username : user.role !== null;
}

/** Deactivating: the user who activated it, or a PI or admin of its project. */
export function canManage(license: LicenseRow, user: LicenseUser): boolean {
  if (!canUse(license, user)) return false;
  return license.ownerUsername === user.username || user.role === 'PI' || user.role === 'ADMIN';
}
