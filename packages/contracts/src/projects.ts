import { z } from 'zod';
import { nullable, QueryBool, QueryInt } from './shared.js';

/**
 * Projects own jobs (and, with accounting, wallets) together. A member's role decides what they
 * see: PI and ADMIN see and control every job of the project; USER only the jobs they started and
 * those granted to one of their groups.
 */
export const ProjectRole = z.enum(['PI', 'ADMIN', 'USER']);
export type ProjectRole = z.infer<typeof ProjectRole>;

const Title = z.string().trim().min(1, 'must not be empty').max(128, 'at most 128 characters');
const Username = z.string().min(1, 'must not be empty');

export const ProjectMember = z.object({ username: z.string(), role: ProjectRole });
export type ProjectMember = z.infer<typeof ProjectMember>;

export const ProjectGroup = z.object({
  id: z.string(),
  createdAt: z.number(),
  specification: z.object({ project: z.string(), title: z.string() }),
  status: z.object({ members: z.array(z.string()) }),
});
export type ProjectGroup = z.infer<typeof ProjectGroup>;

/** UCloud's Project (v2): specification as created, status as seen by the caller. */
export const Project = z.object({
  id: z.string(),
  createdAt: z.number(),
  specification: z.object({ parent: nullable(z.string()), title: z.string() }),
  status: z.object({
    archived: z.boolean(),
    /** The caller's role; null for an administrator who is not a member. */
    myRole: nullable(ProjectRole),
    members: nullable(z.array(ProjectMember)),
    groups: nullable(z.array(ProjectGroup)),
    /** Titles from the root down to this project, joined by '/'. */
    path: z.string(),
  }),
});
export type Project = z.infer<typeof Project>;

export const ProjectsCreateItem = z.object({
  title: Title,
  parent: nullable(z.string().min(1)),
  /** Who becomes PI; the caller when absent. Only administrators create root projects. */
  pi: nullable(Username),
});
export type ProjectsCreateItem = z.infer<typeof ProjectsCreateItem>;

export const ProjectsRetrieveRequest = z.object({
  id: z.string().min(1, 'must not be empty'),
  includeMembers: QueryBool.nullish(),
  includeGroups: QueryBool.nullish(),
});
export type ProjectsRetrieveRequest = z.infer<typeof ProjectsRetrieveRequest>;

export const ProjectsBrowseRequest = z.object({
  itemsPerPage: QueryInt.min(1).max(250).nullish(),
  next: z.string().nullish(),
  /** Every project of the site, not only the caller's: administrators and operators only. */
  all: QueryBool.nullish(),
});
export type ProjectsBrowseRequest = z.infer<typeof ProjectsBrowseRequest>;

/** Adds a user to a project directly (no invitation round trip), or changes their role. */
export const ProjectsMemberItem = z.object({
  project: z.string().min(1, 'must not be empty'),
  username: Username,
  role: ProjectRole.default('USER'),
});
export type ProjectsMemberItem = z.infer<typeof ProjectsMemberItem>;

export const ProjectsDeleteMemberItem = z.object({
  project: z.string().min(1, 'must not be empty'),
  username: Username,
});
export type ProjectsDeleteMemberItem = z.infer<typeof ProjectsDeleteMemberItem>;

export const ProjectsCreateGroupItem = z.object({
  project: z.string().min(1, 'must not be empty'),
  title: Title,
});
export type ProjectsCreateGroupItem = z.infer<typeof ProjectsCreateGroupItem>;

export const ProjectsGroupMemberItem = z.object({
  group: z.string().min(1, 'must not be empty'),
  username: Username,
});
export type ProjectsGroupMemberItem = z.infer<typeof ProjectsGroupMemberItem>;
