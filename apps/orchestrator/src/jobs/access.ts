import {
  forbidden,
  notFound,
  readsEverything,
  type Permission,
  type ProjectRole,
  type ResourceAclEntry,
  type UserActor,
} from '@ucloud/contracts';
import { and, eq, inArray, isNotNull, isNull, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { jobAcl, jobGroupAcl, jobs } from '../db/schema.js';
import type { ProjectStore } from '../projects/store.js';
import type { JobAclStore } from './acl-store.js';
import type { JobRow } from './job-view.js';
import type { JobRepository } from './repository.js';

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

/** The workspace a request acts in: personal, or a project with the caller's role in it. */
export type Workspace =
  | { username: string; project: null; everyone: boolean }
  | { username: string; project: string; role: ProjectRole; groups: ReadonlySet<string> };

/** A part of what a workspace lists: its condition, and whether it lists granted jobs by id. */
export interface Scope {
  where: SQL;
  /** The jobs are named by a list of ids (grants), which must lead the query's plan. */
  listed: boolean;
}

/**
 * The listing twin of `permissionsOf`: SQL conditions selecting the jobs of `w` the caller holds
 * READ on (access.test.ts checks the two agree). Own jobs and shared jobs are separate scopes, read
 * apart and merged: as one query with an OR, SQLite could no longer walk the owner index in id
 * order and sorted every match instead.
 */
export function visibleScopes(db: Db, w: Workspace): Scope[] {
  const own = (where: SQL | undefined): Scope[] => (where ? [{ where, listed: false }] : []);
  const granted = (where: SQL | undefined): Scope[] => (where ? [{ where, listed: true }] : []);
  if (w.project === null) {
    if (w.everyone) return own(isNotNull(jobs.id));
    const sharedWithMe = db
      .select({ id: jobAcl.jobId })
      .from(jobAcl)
      .where(eq(jobAcl.username, w.username));
    // `+`: "no project" is two thirds of a site; walked on the project indexes, it reads them all.
    const personal = isNull(sql`+${jobs.ownerProject}`);
    return [
      ...own(and(eq(jobs.ownerUsername, w.username), personal)),
      ...granted(and(inArray(jobs.id, sharedWithMe), personal)),
    ];
  }
  if (w.role !== 'USER') return own(eq(jobs.ownerProject, w.project));
  const sharedWithMyGroups = db
    .select({ id: jobGroupAcl.jobId })
    .from(jobGroupAcl)
    .where(inArray(jobGroupAcl.groupId, [...w.groups]));
  return [
    ...own(and(eq(jobs.ownerProject, w.project), eq(jobs.ownerUsername, w.username))),
    ...granted(and(inArray(jobs.id, sharedWithMyGroups), eq(jobs.ownerProject, w.project))),
  ];
}

/** Where `JobAccess` reads what its decisions need. */
export interface AccessDeps {
  jobs: Pick<JobRepository, 'get'>;
  acl: Pick<JobAclStore, 'aclOf'>;
  projects: Pick<ProjectStore, 'rolesOf' | 'groupIdsOf'>;
}

/** The rules above applied to stored jobs and the caller's memberships. */
export class JobAccess {
  constructor(private readonly deps: AccessDeps) {}

  viewerOf(actor: Pick<UserActor, 'username'>): Viewer {
    return {
      username: actor.username,
      roles: this.deps.projects.rolesOf(actor.username),
      groups: this.deps.projects.groupIdsOf(actor.username),
    };
  }

  /** The job, if the caller holds `needed` on it (404 without READ, 403 without `needed`). */
  require(actor: UserActor, id: string, field: string, needed: Permission): JobRow {
    const n = Number(id);
    const row = /^\d+$/.test(id) && Number.isSafeInteger(n) ? this.deps.jobs.get(n) : undefined;
    const held = row
      ? permissionsOf(row, this.viewerOf(actor), this.deps.acl.aclOf([row.id]).get(row.id) ?? [])
      : [];
    // Administrators and operators read every job; changing one takes a permission of one's own.
    if (row && readsEverything(actor) && !allows(held, 'READ')) held.push('READ');
    authorize(row, held, needed, field, id);
    return row;
  }

  /**
   * Whether each user holds `needed` on their job, decided as `require` decides: for calls made on
   * users' behalf (a gateway serving their sessions). Each job's ACL and each user's memberships
   * are read once.
   */
  holdsEach(
    pairs: ReadonlyArray<{ username: string; job: JobRow }>,
    needed: Permission,
  ): boolean[] {
    const acl = this.deps.acl.aclOf([...new Set(pairs.map((p) => p.job.id))]);
    const viewers = new Map<string, Viewer>();
    return pairs.map(({ username, job }) => {
      const viewer = viewers.get(username) ?? this.viewerOf({ username });
      viewers.set(username, viewer);
      return allows(permissionsOf(job, viewer, acl.get(job.id) ?? []), needed);
    });
  }

  /** The workspace a request acts in: personal, or the project it names if the caller is a member. */
  workspaceOf(actor: UserActor, viewer = this.viewerOf(actor)): Workspace {
    const { project, role } = actor;
    // Personal browsing shows administrators and operators every job, whoever owns it.
    if (project === null)
      return { username: actor.username, project: null, everyone: readsEverything(actor) };
    // The API refused a project the caller is not a member of before this service was called.
    if (role === null) throw notFound(`project: no project with id ${JSON.stringify(project)}`);
    return { username: actor.username, project, role, groups: viewer.groups };
  }
}
