import { and, asc, eq, gt, inArray, isNull, notInArray } from 'drizzle-orm';
import { FINAL_STATES } from '@ucloud/contracts';
import type { Db } from '../db/client.js';
import { jobLicenses, jobs, licenses } from '../db/schema.js';
import type { LicenseRow } from './access.js';

/** Activated licenses and which jobs use them. */
export class LicenseStore {
  constructor(private readonly db: Db) {}

  create(
    items: Array<{
      owner: { username: string; project: string | null };
      product: { id: string; category: string; provider: string };
    }>,
    now: number,
  ): number[] {
    return items.map(
      ({ owner, product }) =>
        this.db
          .insert(licenses)
          .values({
            ownerUsername: owner.username,
            ownerProject: owner.project,
            productId: product.id,
            category: product.category,
            provider: product.provider,
            createdAt: now,
          })
          .returning({ id: licenses.id })
          .get().id,
    );
  }

  get(id: number): LicenseRow | undefined {
    return this.db.select().from(licenses).where(eq(licenses.id, id)).get();
  }

  /** Active licenses of a workspace (all of a project's; a user's personal ones). */
  ofWorkspace(owner: { username: string; project: string | null }, after: number, limit: number) {
    return this.db
      .select()
      .from(licenses)
      .where(
        and(
          owner.project === null
            ? and(eq(licenses.ownerUsername, owner.username), isNull(licenses.ownerProject))
            : eq(licenses.ownerProject, owner.project),
          isNull(licenses.deletedAt),
          gt(licenses.id, after),
        ),
      )
      .orderBy(asc(licenses.id))
      .limit(limit)
      .all();
  }

  deactivate(ids: number[], now: number): void {
    if (ids.length > 0)
      this.db.update(licenses).set({ deletedAt: now }).where(inArray(licenses.id, ids)).run();
  }

  /** Active jobs that use a license, each with the licenses it uses. */
  activeJobsWithLicenses() {
    return this.db
      .select({ job: jobs, license: licenses })
      .from(jobLicenses)
      .innerJoin(jobs, eq(jobs.id, jobLicenses.jobId))
      .innerJoin(licenses, eq(licenses.id, jobLicenses.licenseId))
      .where(notInArray(jobs.state, [...FINAL_STATES]))
      .all();
  }
}
