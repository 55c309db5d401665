import type { JobIncludeFlags } from '@ucloud/contracts';
import {
  and,
  asc,
  desc,
  eq,
  gt,
  gte,
  inArray,
  lt,
  lte,
  ne,
  sql,
  type Column,
  type SQL,
} from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { jobs } from '../db/schema.js';
import { visibleScopes, type Scope, type Workspace } from './access.js';
import type { JobRow } from './job-view.js';

export interface BrowseQuery {
  workspace: Workspace;
  flags: JobIncludeFlags;
  itemsPerPage: number;
  /** Text the job's id, name or application must contain (search). */
  query?: string;
  /** Id of the last job on the previous page. */
  after: number | null;
  /** Jobs to pass over after `after` (the spec's itemsToSkip). */
  skip: number;
  ascending: boolean;
}

/**
 * Most jobs a created-at window may hold site-wide for its id range to be read first: reading that
 * many entries of the created_at index costs about a millisecond.
 */
const NARROW_WINDOW = 10_000;

/** Browse and search: the jobs of a workspace the caller may see, filtered and paged by id. */
export class JobBrowser {
  constructor(private readonly db: Db) {}

  browse(q: BrowseQuery): JobRow[] {
    const f = q.flags;
    const where: SQL[] = [];
    const list = (v: string) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    // A workspace's scopes are walked in id order on their own indexes (owner, project; with the
    // state, if filtered: below), checking the other filters on the way: `+column` keeps SQLite from
    // walking a filter's index instead, which for a user means every job of the site with that
    // application or provider. Ids and provider ids name a few jobs, so their indexes always lead.
    const scoped = !(q.workspace.project === null && q.workspace.everyone);
    const c = (column: Column): SQL => (scoped ? sql`+${column}` : sql`${column}`);
    if (q.query) {
      const text = q.query.toLowerCase();
      where.push(
        sql`(instr(lower(${jobs.name}), ${text}) > 0 or instr(lower(${jobs.applicationName}), ${text}) > 0 or cast(${jobs.id} as text) = ${text})`,
      );
    }
    if (f.filterApplication) where.push(eq(c(jobs.applicationName), f.filterApplication));
    if (f.filterCreatedBy) where.push(eq(c(jobs.ownerUsername), f.filterCreatedBy));
    if (f.filterCreatedAfter != null) where.push(gte(c(jobs.createdAt), f.filterCreatedAfter));
    if (f.filterCreatedBefore != null) where.push(lte(c(jobs.createdAt), f.filterCreatedBefore));
    if (f.filterCreatedAfter != null || f.filterCreatedBefore != null) {
      const window = this.idsCreatedIn(f.filterCreatedAfter ?? null, f.filterCreatedBefore ?? null);
      if (window === 'none') return [];
      if (window) where.push(gte(jobs.id, window.min), lte(jobs.id, window.max));
    }
    if (f.filterProvider) where.push(eq(c(jobs.provider), f.filterProvider));
    if (f.filterProductId) where.push(eq(c(jobs.productId), f.filterProductId));
    if (f.filterProductCategory) where.push(eq(c(jobs.productCategory), f.filterProductCategory));
    if (f.filterProviderIds) {
      // As ids, so that SQLite reads these few jobs rather than walk the scope's index past them.
      const named = this.db
        .select({ id: jobs.id })
        .from(jobs)
        .where(inArray(jobs.providerGeneratedId, list(f.filterProviderIds)));
      where.push(inArray(jobs.id, named));
    }
    if (f.filterIds) {
      const ids = list(f.filterIds).map(Number).filter(Number.isSafeInteger);
      where.push(inArray(jobs.id, ids));
    }
    if (f.hideProductId) where.push(ne(jobs.productId, f.hideProductId));
    if (f.hideProductCategory) where.push(ne(jobs.productCategory, f.hideProductCategory));
    if (f.hideProvider) where.push(ne(jobs.provider, f.hideProvider));
    if (q.after !== null) where.push(q.ascending ? gt(jobs.id, q.after) : lt(jobs.id, q.after));
    // Own jobs and jobs shared with the caller are read apart and merged: as one query with an OR,
    // SQLite could no longer walk the owner index in id order and sorted every match instead.
    // The state leads on a scope's own index (owner or project, then state); on granted jobs, named
    // by id, it must not, or SQLite walks every job of the site in that state.
    const conditions = (scope: Scope) => {
      if (!f.filterState) return [scope.where, ...where];
      const state = scope.listed ? sql`+${jobs.state}` : sql`${jobs.state}`;
      return [scope.where, eq(state, f.filterState), ...where];
    };
    const page = (scope: Scope) =>
      this.db
        .select()
        .from(jobs)
        .where(and(...conditions(scope)))
        .orderBy(q.ascending ? asc(jobs.id) : desc(jobs.id))
        .limit(q.itemsPerPage)
        .all();
    const scopes = visibleScopes(this.db, q.workspace);
    // A job can be in two scopes (one's own job, shared with one's group): listed once.
    const merged = <T extends { id: number }>(rows: T[]) =>
      [...new Map(rows.map((r) => [r.id, r])).values()].sort((a, b) =>
        q.ascending ? a.id - b.id : b.id - a.id,
      );
    if (q.skip > 0) {
      // Skipping moves the cursor: the ids of the skipped jobs are enough to find where to start.
      const skipped = merged(
        scopes.flatMap((scope) =>
          this.db
            .select({ id: jobs.id })
            .from(jobs)
            .where(and(...conditions(scope)))
            .orderBy(q.ascending ? asc(jobs.id) : desc(jobs.id))
            .limit(q.skip)
            .all(),
        ),
      );
      const last = skipped[q.skip - 1];
      if (!last) return [];
      where.push(q.ascending ? gt(jobs.id, last.id) : lt(jobs.id, last.id));
    }
    return merged(scopes.flatMap(page)).slice(0, q.itemsPerPage);
  }

  /**
   * The range of ids of the jobs created in a window, read on the created_at index alone when the
   * window holds few jobs of the whole site ('none' when it holds none; null when it holds many).
   * A scope's walk in id order then starts and stops at the window instead of passing over every
   * newer job of the workspace first. The range is exact whatever order jobs were created in.
   */
  private idsCreatedIn(
    after: number | null,
    before: number | null,
  ): { min: number; max: number } | 'none' | null {
    const inWindow = this.db
      .select({ id: jobs.id })
      .from(jobs)
      .where(
        and(
          after === null ? undefined : gte(jobs.createdAt, after),
          before === null ? undefined : lte(jobs.createdAt, before),
        ),
      )
      .limit(NARROW_WINDOW)
      .as('window');
    const found = this.db
      .select({
        jobs: sql<number>`count(*)`,
        min: sql<number>`min(${inWindow.id})`,
        max: sql<number>`max(${inWindow.id})`,
      })
      .from(inWindow)
      .get();
    if (!found || found.jobs === 0) return 'none';
    return found.jobs < NARROW_WINDOW ? { min: found.min, max: found.max } : null;
  }
}
