import type { JobIncludeFlags } from '@ucloud/contracts';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Charger } from '../accounting/charger.js';
import { metering } from '../accounting/metering.js';
import { Catalog, DEMO_CATALOG_FILE } from '../catalog/catalog.js';
import { JobAccess, type Workspace } from '../jobs/access.js';
import { JobAclStore } from '../jobs/acl-store.js';
import { JobBrowser } from '../jobs/browse.js';
import { JobNotifier } from '../jobs/notifier.js';
import { JobRepository } from '../jobs/repository.js';
import { JobTransitions } from '../jobs/transitions.js';
import { OutboxStore } from '../outbox/store.js';
import { ProjectStore } from '../projects/store.js';
import { generateSiteData, makeRunningJobsDue, type SiteData } from '../testing/site-data.js';
import { openDatabase, type Db } from './client.js';
import * as schema from './schema.js';

/**
 * The plans SQLite makes for the queries that must stay fast on a site of a million jobs: browse
 * and search in every kind of workspace with every filter, access checks, charging and the
 * reconciler's reads. None may read the whole of a big table or sort it for ORDER BY; a change of
 * query or index that makes one do so fails here, whatever the size of the database.
 */
const BIG_TABLES = ['jobs', 'job_updates', 'job_acl', 'job_group_acl', 'charges'];
const FULL_SCAN = new RegExp(`^SCAN (${BIG_TABLES.join('|')})\\b`);
const BIG_TABLE = new RegExp(`^(SCAN|SEARCH) (${BIG_TABLES.join('|')})\\b`);
const SORT = /USE TEMP B-TREE FOR ORDER BY/;
/**
 * A workspace's own indexes, the primary key, any index searched by job id (listed ids), or the
 * created_at index alone (no row read) for the ids of a created-at window.
 */
const SCOPE_INDEX =
  /USING ((COVERING )?INDEX jobs_(owner_id|owner_state|project_id|project_state|provider_generated_id) |INTEGER PRIMARY KEY|COVERING INDEX jobs_created )|\bid=\?\)/;

let dir: string;
let file: string;
let site: SiteData;
let db: Db;
/** The statements run since the last `capture`, with their parameters. */
let statements: Array<{ sql: string; params: unknown[] }> = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'query-plans-'));
  file = join(dir, 'site.sqlite');
  site = generateSiteData(file, {
    jobs: 3000,
    active: 300,
    users: 40,
    projects: 4,
    chargePeriodMs: 3_600_000,
    now: Date.now(),
  });
  const sqlite = openDatabase(file).$client;
  db = drizzle(sqlite, {
    schema,
    logger: { logQuery: (sql, params) => statements.push({ sql, params }) },
  });
});

afterAll(() => {
  db.$client.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `fn` and returns the plan of every statement it ran, one string per statement. */
function plansOf(fn: () => unknown): string[] {
  statements = [];
  fn();
  return statements
    .filter((s) => /^\s*(select|update|delete|with)/i.test(s.sql))
    .map(({ sql, params }) =>
      (db.$client.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>)
        .map((r) => r.detail)
        .join('; '),
    );
}

/**
 * No plan reads a big table whole, or sorts rows of one. `walk`: an administrator's browse, which
 * has no scope to narrow it, walks the jobs in id order and stops at a page. `sort`: the rows
 * sorted are few, bounded by an index's range.
 */
function expectIndexed(plans: string[], allowed: { walk?: boolean; sort?: boolean } = {}): void {
  expect(plans.length).toBeGreaterThan(0);
  for (const plan of plans) {
    const steps = plan.split('; ');
    const scans = steps.filter(
      (step) => FULL_SCAN.test(step) && !(allowed.walk && step === 'SCAN jobs'),
    );
    expect(scans, plan).toEqual([]);
    const big = steps.some((step) => BIG_TABLE.test(step));
    if (big && !allowed.sort) expect(plan).not.toMatch(SORT);
  }
}

describe('browse and search', () => {
  const workspaces: Array<[string, (site: SiteData) => Workspace]> = [
    ['personal', (s) => ({ username: s.user, project: null, everyone: false })],
    ['personal, heavy user', (s) => ({ username: s.heavyUser, project: null, everyone: false })],
    [
      'project member',
      (s) => ({ username: s.member, project: s.project, role: 'USER', groups: new Set([s.group]) }),
    ],
    [
      'project PI',
      (s) => ({ username: s.pi, project: s.project, role: 'PI', groups: new Set<string>() }),
    ],
    ['administrator', () => ({ username: 'admin', project: null, everyone: true })],
  ];
  const filters: Array<[string, JobIncludeFlags & { query?: string }]> = [
    ['no filter', {}],
    ['filterApplication', { filterApplication: 'busybox-batch' }],
    ['filterState', { filterState: 'RUNNING' }],
    ['filterCreatedBy', { filterCreatedBy: 'user-1' }],
    ['filterProvider', { filterProvider: 'example' }],
    ['filterProductId', { filterProductId: 'vm-cpu' }],
    ['filterProductCategory', { filterProductCategory: 'docker-cpu' }],
    ['filterProviderIds', { filterProviderIds: 'p-30,p-31' }],
    ['filterIds', { filterIds: '30,31' }],
    ['hideProductId', { hideProductId: 'example-compute' }],
    ['hideProvider', { hideProvider: 'other' }],
    ['search', { query: 'run 1' }],
  ];
  // Created before/after: the window's range of ids is read on the created_at index, and bounds
  // the scope's walk; administrators' window may be read on that index and its jobs sorted by id.
  const window = { filterCreatedAfter: 0, filterCreatedBefore: Date.now() };

  for (const [where, workspaceOf] of workspaces) {
    for (const [name, flags] of [...filters, ['filterCreatedAfter+Before', window] as const]) {
      for (const paging of ['first page', 'next page', 'itemsToSkip'] as const) {
        it(`${where}, ${name}, ${paging}`, () => {
          const browser = new JobBrowser(db);
          const { query, ...rest } = flags as JobIncludeFlags & { query?: string };
          const plans = plansOf(() =>
            browser.browse({
              workspace: workspaceOf(site),
              flags: rest,
              query,
              itemsPerPage: 51,
              after: paging === 'next page' ? 2500 : null,
              skip: paging === 'itemsToSkip' ? 20 : 0,
              ascending: false,
            }),
          );
          const administrator = where === 'administrator';
          // A workspace's jobs are read on its own indexes, not on a filter's across the site.
          if (!administrator)
            for (const step of plans.flatMap((p) => p.split('; ')))
              if (/^SEARCH jobs /.test(step)) expect(step).toMatch(SCOPE_INDEX);
          expectIndexed(plans, {
            walk: administrator,
            sort: administrator && name === 'filterCreatedAfter+Before',
          });
        });
      }
    }
  }
});

describe('access, updates, charging and the reconciler', () => {
  const core = () => {
    const outbox = new OutboxStore(db);
    const jobs = new JobRepository(db, outbox);
    const transitions = new JobTransitions({
      db,
      jobs,
      outbox,
      metering,
      notifier: new JobNotifier(),
    });
    return { outbox, jobs, transitions };
  };

  it('access checks and ACLs', () => {
    const { jobs } = core();
    const acl = new JobAclStore(db);
    const access = new JobAccess({ jobs, acl, projects: new ProjectStore(db) });
    const owner = {
      kind: 'user' as const,
      admin: false,
      operator: false,
      project: null,
      role: null,
    };
    expectIndexed(
      plansOf(() => {
        // Job 10 is a personal job of the heavy user (every tenth job is theirs).
        access.require({ ...owner, username: site.heavyUser } as const, '10', 'id', 'READ');
        acl.aclOf([10, 30, 31]);
      }),
    );
  });

  it("a page's updates", () => {
    const { jobs } = core();
    expectIndexed(plansOf(() => jobs.updatesOfMany([30, 31, 2999], true)));
    expectIndexed(plansOf(() => jobs.updatesOfMany([30, 31, 2999], false)));
    expectIndexed(plansOf(() => jobs.updatesOf(30)));
  });

  it('duplicate detection', () => {
    const { jobs } = core();
    const app = { name: 'acme-batch', version: '1.0.0' };
    expectIndexed(
      plansOf(() => jobs.activeOfOwner({ username: site.heavyUser, project: null }, app)),
    );
  });

  it("the reconciler's reads", () => {
    const { jobs } = core();
    expectIndexed(plansOf(() => jobs.activeOfProvider('example', 0, 100, true)));
    expectIndexed(plansOf(() => jobs.overdue(Date.now(), 100)));
  });

  it('a charging round', () => {
    const { jobs, transitions } = core();
    const catalog = Catalog.fromFile(DEMO_CATALOG_FILE);
    const charger = new Charger(db, jobs, transitions, catalog, pino({ level: 'silent' }), 1000);
    makeRunningJobsDue(file, Date.now());
    const plans = plansOf(() => charger.chargeDue(Date.now()));
    expectIndexed(plans);
    expect(plans.join('\n')).toMatch(/jobs_next_charge/);
  });
});
