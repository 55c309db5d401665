import type { ProjectRole } from '@ucloud/contracts';
import { and, asc, eq, gt, inArray, isNull } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import { inTransaction, type Db } from '../db/client.js';
import { groupMembers, projectGroups, projectMembers, projects, users } from '../db/schema.js';

export type ProjectRow = typeof projects.$inferSelect;
export type GroupRow = typeof projectGroups.$inferSelect;

/** Projects, their members and groups, as stored. Rules about who may change them live in the service. */
export class ProjectStore {
  constructor(private readonly db: Db) {}

  create(items: Array<{ title: string; parentId: string | null; pi: string }>, now: number) {
    return inTransaction(this.db, () =>
      items.map((item) => {
        const id = randomUUID();
        this.db
          .insert(projects)
          .values({ id, title: item.title, parentId: item.parentId, createdAt: now })
          .run();
        this.db
          .insert(projectMembers)
          .values({ projectId: id, username: item.pi, role: 'PI', createdAt: now })
          .run();
        return id;
      }),
    );
  }

  get(id: string): ProjectRow | undefined {
    return this.db.select().from(projects).where(eq(projects.id, id)).get();
  }

  /** A sibling with this title under the same parent, if any (titles are unique among siblings). */
  siblingTitled(parentId: string | null, title: string): ProjectRow | undefined {
    return this.db
      .select()
      .from(projects)
      .where(
        and(
          parentId === null ? isNull(projects.parentId) : eq(projects.parentId, parentId),
          eq(projects.title, title),
        ),
      )
      .get();
  }

  /** Titles from the root down to the project. */
  path(id: string): string[] {
    const titles: string[] = [];
    for (let p = this.get(id); p; p = p.parentId ? this.get(p.parentId) : undefined) {
      titles.unshift(p.title);
    }
    return titles;
  }

  userExists(username: string): boolean {
    return (
      this.db
        .select({ u: users.username })
        .from(users)
        .where(eq(users.username, username))
        .get() !== undefined
    );
  }

  roleOf(projectId: string, username: string): ProjectRole | null {
    const row = this.db
      .select({ role: projectMembers.role })
      .from(projectMembers)
      .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.username, username)))
      .get();
    return row?.role ?? null;
  }

  /** Every project the user belongs to, with their role in it. */
  rolesOf(username: string): Map<string, ProjectRole> {
    const rows = this.db
      .select({ projectId: projectMembers.projectId, role: projectMembers.role })
      .from(projectMembers)
      .where(eq(projectMembers.username, username))
      .all();
    return new Map(rows.map((r) => [r.projectId, r.role]));
  }

  /** Ids of every group the user belongs to, across projects. */
  groupIdsOf(username: string): Set<string> {
    const rows = this.db
      .select({ id: groupMembers.groupId })
      .from(groupMembers)
      .where(eq(groupMembers.username, username))
      .all();
    return new Set(rows.map((r) => r.id));
  }

  /** The user's projects in id order, after the cursor. */
  projectsOf(username: string, after: string | null, limit: number): ProjectRow[] {
    return this.db
      .select({ project: projects })
      .from(projectMembers)
      .innerJoin(projects, eq(projects.id, projectMembers.projectId))
      .where(
        and(
          eq(projectMembers.username, username),
          after === null ? undefined : gt(projects.id, after),
        ),
      )
      .orderBy(asc(projects.id))
      .limit(limit)
      .all()
      .map((r) => r.project);
  }

  /** Every project, in id order: what administrators and operators may list. */
  allProjects(after: string | null, limit: number): ProjectRow[] {
    return this.db
      .select()
      .from(projects)
      .where(after === null ? undefined : gt(projects.id, after))
      .orderBy(asc(projects.id))
      .limit(limit)
      .all();
  }

  membersOf(projectId: string): Array<{ username: string; role: ProjectRole }> {
    return this.db
      .select({ username: projectMembers.username, role: projectMembers.role })
      .from(projectMembers)
      .where(eq(projectMembers.projectId, projectId))
      .orderBy(asc(projectMembers.createdAt), asc(projectMembers.username))
      .all();
  }

  setMember(projectId: string, username: string, role: ProjectRole, now: number): void {
    this.db
      .insert(projectMembers)
      .values({ projectId, username, role, createdAt: now })
      .onConflictDoUpdate({
        target: [projectMembers.projectId, projectMembers.username],
        set: { role },
      })
      .run();
  }

  /** Removes the member and their memberships of the project's groups, in one transaction. */
  deleteMember(projectId: string, username: string): void {
    inTransaction(this.db, () => {
      const groupIds = this.db
        .select({ id: projectGroups.id })
        .from(projectGroups)
        .where(eq(projectGroups.projectId, projectId));
      this.db
        .delete(groupMembers)
        .where(and(eq(groupMembers.username, username), inArray(groupMembers.groupId, groupIds)))
        .run();
      this.db
        .delete(projectMembers)
        .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.username, username)))
        .run();
    });
  }

  createGroup(projectId: string, title: string, now: number): string {
    const id = randomUUID();
    this.db.insert(projectGroups).values({ id, projectId, title, createdAt: now }).run();
    return id;
  }

  group(id: string): GroupRow | undefined {
    return this.db.select().from(projectGroups).where(eq(projectGroups.id, id)).get();
  }

  groupTitled(projectId: string, title: string): GroupRow | undefined {
    return this.db
      .select()
      .from(projectGroups)
      .where(and(eq(projectGroups.projectId, projectId), eq(projectGroups.title, title)))
      .get();
  }

  groupsOf(projectId: string): Array<GroupRow & { members: string[] }> {
    const groups = this.db
      .select()
      .from(projectGroups)
      .where(eq(projectGroups.projectId, projectId))
      .orderBy(asc(projectGroups.createdAt), asc(projectGroups.title))
      .all();
    if (groups.length === 0) return [];
    const members = this.db
      .select()
      .from(groupMembers)
      .where(
        inArray(
          groupMembers.groupId,
          groups.map((g) => g.id),
        ),
      )
      .orderBy(asc(groupMembers.username))
      .all();
    return groups.map((g) => ({
      ...g,
      members: members.filter((m) => m.groupId === g.id).map((m) => m.username),
    }));
  }

  addGroupMember(groupId: string, username: string): void {
    this.db.insert(groupMembers).values({ groupId, username }).onConflictDoNothing().run();
  }

  deleteGroupMember(groupId: string, username: string): void {
    this.db
      .delete(groupMembers)
      .where(and(eq(groupMembers.groupId, groupId), eq(groupMembers.username, username)))
      .run();
  }
}
