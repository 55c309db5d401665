import {
  badRequest,
  conflict,
  forbidden,
  notFound,
  readsEverything,
  type BulkRequest,
  type BulkResponse,
  type FindByStringId,
  type PageV2,
  type Project,
  type ProjectRole,
  type ProjectsBrowseRequest,
  type ProjectsCreateGroupItem,
  type ProjectsCreateItem,
  type ProjectsDeleteMemberItem,
  type ProjectsGroupMemberItem,
  type ProjectsMemberItem,
  type ProjectsRetrieveRequest,
  type ProjectsService,
  type Unit,
  type UserActor,
} from '@ucloud/contracts';
import type { GroupRow, ProjectRow, ProjectStore } from './store.js';
import { pageOf } from '../paging.js';

const DEFAULT_PAGE = 50;
const MANAGERS: readonly ProjectRole[] = ['PI', 'ADMIN'];

/**
 * Membership and groups. The PI and admins manage members and groups; only the PI makes or
 * unmakes admins; the PI cannot be removed or demoted (there is always exactly one). Projects
 * are invisible (404) to non-members; system administrators see and manage every project.
 */
export class ProjectService implements ProjectsService {
  constructor(private readonly store: ProjectStore) {}

  async create(
    actor: UserActor,
    request: BulkRequest<ProjectsCreateItem>,
  ): Promise<BulkResponse<FindByStringId>> {
    const items = request.items.map((item, i) => {
      const at = (field: string) => `items[${i}].${field}`;
      if (item.parent === null) {
        if (!actor.admin)
          throw forbidden(`${at('parent')}: only administrators create root projects`);
      } else {
        this.requireManager(actor, item.parent, at('parent'));
      }
      const pi = item.pi ?? actor.username;
      if (!this.store.userExists(pi)) throw badRequest(`${at('pi')}: no user named ${pi}`);
      if (this.store.siblingTitled(item.parent, item.title))
        throw conflict(
          `${at('title')}: a project titled ${JSON.stringify(item.title)} exists here`,
        );
      return { title: item.title, parentId: item.parent, pi };
    });
    const ids = this.store.create(items, Date.now());
    return { responses: ids.map((id) => ({ id })) };
  }

  async retrieve(actor: UserActor, request: ProjectsRetrieveRequest): Promise<Project> {
    const { project, role } = this.requireVisible(actor, request.id, 'id');
    return this.view(
      project,
      role,
      request.includeMembers === true,
      request.includeGroups === true,
    );
  }

  async browse(actor: UserActor, request: ProjectsBrowseRequest): Promise<PageV2<Project>> {
    const itemsPerPage = request.itemsPerPage ?? DEFAULT_PAGE;
    if (request.all === true && !readsEverything(actor))
      throw forbidden('all: only administrators and operators list every project');
    const after = request.next ?? null;
    const rows =
      request.all === true
        ? this.store.allProjects(after, itemsPerPage + 1)
        : this.store.projectsOf(actor.username, after, itemsPerPage + 1);
    const { page, next } = pageOf(rows, itemsPerPage);
    const roles = this.store.rolesOf(actor.username);
    return {
      itemsPerPage,
      items: page.map((p) => this.view(p, roles.get(p.id) ?? null, false, false)),
      next,
    };
  }

  async addMember(
    actor: UserActor,
    request: BulkRequest<ProjectsMemberItem>,
  ): Promise<BulkResponse<Unit>> {
    const changes = request.items.map((item, i) => {
      const at = `items[${i}]`;
      const role = this.requireManager(actor, item.project, `${at}.project`);
      if (!this.store.userExists(item.username))
        throw badRequest(`${at}.username: no user named ${item.username}`);
      const current = this.store.roleOf(item.project, item.username);
      if (item.role === 'PI' || current === 'PI')
        throw badRequest(`${at}.role: a project has exactly one PI, who cannot be changed here`);
      if ((item.role === 'ADMIN' || current === 'ADMIN') && role !== 'PI' && !actor.admin)
        throw forbidden(`${at}.role: only the PI makes or unmakes admins`);
      return item;
    });
    const now = Date.now();
    for (const c of changes) this.store.setMember(c.project, c.username, c.role, now);
    return { responses: changes.map(() => ({})) };
  }

  async deleteMember(
    actor: UserActor,
    request: BulkRequest<ProjectsDeleteMemberItem>,
  ): Promise<BulkResponse<Unit>> {
    const changes = request.items.map((item, i) => {
      const at = `items[${i}]`;
      const leaving = item.username === actor.username;
      const role = leaving
        ? this.requireVisible(actor, item.project, `${at}.project`).role
        : this.requireManager(actor, item.project, `${at}.project`);
      const current = this.store.roleOf(item.project, item.username);
      if (current === null)
        throw notFound(`${at}.username: ${item.username} is not a member of the project`);
      if (current === 'PI') throw badRequest(`${at}.username: the PI cannot leave the project`);
      if (current === 'ADMIN' && !leaving && role !== 'PI' && !actor.admin)
        throw forbidden(`${at}.username: only the PI removes admins`);
      return item;
    });
    for (const c of changes) this.store.deleteMember(c.project, c.username);
    return { responses: changes.map(() => ({})) };
  }

  async createGroup(
    actor: UserActor,
    request: BulkRequest<ProjectsCreateGroupItem>,
  ): Promise<BulkResponse<FindByStringId>> {
    const items = request.items.map((item, i) => {
      this.requireManager(actor, item.project, `items[${i}].project`);
      if (this.store.groupTitled(item.project, item.title))
        throw conflict(`items[${i}].title: the project has a group titled ${item.title}`);
      return item;
    });
    const now = Date.now();
    return {
      responses: items.map((item) => ({
        id: this.store.createGroup(item.project, item.title, now),
      })),
    };
  }

  async addGroupMember(
    actor: UserActor,
    request: BulkRequest<ProjectsGroupMemberItem>,
  ): Promise<BulkResponse<Unit>> {
    const items = this.checkGroupChanges(actor, request);
    for (const item of items) this.store.addGroupMember(item.group, item.username);
    return { responses: items.map(() => ({})) };
  }

  async deleteGroupMember(
    actor: UserActor,
    request: BulkRequest<ProjectsGroupMemberItem>,
  ): Promise<BulkResponse<Unit>> {
    const items = this.checkGroupChanges(actor, request);
    for (const item of items) this.store.deleteGroupMember(item.group, item.username);
    return { responses: items.map(() => ({})) };
  }

  private checkGroupChanges(actor: UserActor, request: BulkRequest<ProjectsGroupMemberItem>) {
    return request.items.map((item, i) => {
      const at = `items[${i}]`;
      const group = this.requireGroup(actor, item.group, `${at}.group`);
      if (this.store.roleOf(group.projectId, item.username) === null)
        throw badRequest(`${at}.username: ${item.username} is not a member of the group's project`);
      return item;
    });
  }

  private requireGroup(actor: UserActor, id: string, field: string): GroupRow {
    const group = this.store.group(id);
    const visible = group && (actor.admin || this.store.roleOf(group.projectId, actor.username));
    if (!group || !visible) throw notFound(`${field}: no group with id ${JSON.stringify(id)}`);
    this.requireManager(actor, group.projectId, field);
    return group;
  }

  private requireVisible(actor: UserActor, id: string, field: string) {
    return requireVisibleProject(this.store, actor, id, field);
  }

  private requireManager(actor: UserActor, id: string, field: string): ProjectRole | null {
    return requireProjectManager(this.store, actor, id, field);
  }

  private view(
    project: ProjectRow,
    role: ProjectRole | null,
    includeMembers: boolean,
    includeGroups: boolean,
  ): Project {
    return {
      id: project.id,
      createdAt: project.createdAt,
      specification: { parent: project.parentId, title: project.title },
      status: {
        archived: project.archived,
        myRole: role,
        members: includeMembers ? this.store.membersOf(project.id) : null,
        groups: includeGroups
          ? this.store.groupsOf(project.id).map((g) => ({
              id: g.id,
              createdAt: g.createdAt,
              specification: { project: g.projectId, title: g.title },
              status: { members: g.members },
            }))
          : null,
        path: this.store.path(project.id).join('/'),
      },
    };
  }
}

/** The project and the caller's role in it (null for a non-member administrator); 404 otherwise. */
export function requireVisibleProject(
  store: ProjectStore,
  actor: UserActor,
  id: string,
  field: string,
): { project: ProjectRow; role: ProjectRole | null } {
  const project = store.get(id);
  const role = project ? store.roleOf(id, actor.username) : null;
  if (!project || (role === null && !readsEverything(actor)))
    throw notFound(`${field}: no project with id ${JSON.stringify(id)}`);
  return { project, role };
}

/**
 * The one rule for managing a project (members, groups, its quota): its PI and admins may, and
 * system administrators. Answers the caller's role.
 */
export function requireProjectManager(
  store: ProjectStore,
  actor: UserActor,
  id: string,
  field: string,
): ProjectRole | null {
  const { role } = requireVisibleProject(store, actor, id, field);
  if (!actor.admin && (role === null || !MANAGERS.includes(role)))
    throw forbidden(`${field}: only the project's PI and admins may do this`);
  return role;
}
