import type { AclEntity, Permission, ResourceAclEntry } from '@ucloud/contracts';
import { and, eq, inArray } from 'drizzle-orm';
import { inTransaction, type Db } from '../db/client.js';
import { jobAcl, jobGroupAcl, projectGroups } from '../db/schema.js';

/** A change to one job's ACL: grants replaced for the entities named, or removed. */
export interface AclChange {
  jobId: number;
  added: Array<{ entity: AclEntity; permissions: Array<'READ' | 'EDIT'> }>;
  deleted: AclEntity[];
}

/** Who else may see (READ) or control (EDIT) a job: grants to users and to project groups. */
export class JobAclStore {
  constructor(private readonly db: Db) {}

  /** The ACL of several jobs: job id → grants to users (personal jobs) and groups (project jobs). */
  aclOf(jobIds: number[]): Map<number, ResourceAclEntry[]> {
    const result = new Map<number, ResourceAclEntry[]>();
    if (jobIds.length === 0) return result;
    const add = (jobId: number, entity: AclEntity, permission: Permission) => {
      const entries = result.get(jobId) ?? [];
      const key = JSON.stringify(entity);
      const entry = entries.find((e) => JSON.stringify(e.entity) === key);
      if (entry) entry.permissions.push(permission);
      else entries.push({ entity, permissions: [permission] });
      result.set(jobId, entries);
    };
    for (const r of this.db.select().from(jobAcl).where(inArray(jobAcl.jobId, jobIds)).all()) {
      add(r.jobId, { type: 'user', username: r.username }, r.permission);
    }
    const groupRows = this.db
      .select({
        jobId: jobGroupAcl.jobId,
        group: jobGroupAcl.groupId,
        projectId: projectGroups.projectId,
        permission: jobGroupAcl.permission,
      })
      .from(jobGroupAcl)
      .innerJoin(projectGroups, eq(projectGroups.id, jobGroupAcl.groupId))
      .where(inArray(jobGroupAcl.jobId, jobIds))
      .all();
    for (const r of groupRows) {
      add(r.jobId, { type: 'project_group', projectId: r.projectId, group: r.group }, r.permission);
    }
    return result;
  }

  /** Replaces the grants of the named entities (deleted first, then added), in one transaction. */
  updateAcl(changes: AclChange[]): void {
    inTransaction(this.db, () => {
      for (const change of changes) {
        for (const entity of [...change.deleted, ...change.added.map((a) => a.entity)]) {
          if (entity.type === 'user') {
            this.db
              .delete(jobAcl)
              .where(and(eq(jobAcl.jobId, change.jobId), eq(jobAcl.username, entity.username)))
              .run();
          } else {
            this.db
              .delete(jobGroupAcl)
              .where(
                and(eq(jobGroupAcl.jobId, change.jobId), eq(jobGroupAcl.groupId, entity.group)),
              )
              .run();
          }
        }
        for (const { entity, permissions } of change.added) {
          for (const permission of new Set(permissions)) {
            if (entity.type === 'user') {
              this.db
                .insert(jobAcl)
                .values({ jobId: change.jobId, username: entity.username, permission })
                .run();
            } else {
              this.db
                .insert(jobGroupAcl)
                .values({ jobId: change.jobId, groupId: entity.group, permission })
                .run();
            }
          }
        }
      }
    });
  }
}
