import { openDatabase } from '../db/client.js';
import { DEMO_SPEC } from './core.js';

/** The shape of a generated site: how many jobs, how many still active, how many owners. */
export interface SiteDataOptions {
  jobs: number;
  /** The newest `active` jobs are RUNNING; older ones ended. */
  active: number;
  /** Users `user-0` … ; `user-0` is a heavy user who owns every tenth job. */
  users: number;
  /** Projects `project-0` … ; `user-p` is the PI of `project-p`, every user a member of one. */
  projects: number;
  /** Length of a charging period of the active jobs. */
  chargePeriodMs: number;
  now: number;
}

export interface SiteData {
  /** A member (USER role) of `project`, in its group `group`. */
  member: string;
  project: string;
  group: string;
  /** The PI of `project`. */
  pi: string;
  /** A user with an average number of jobs, some shared with them. */
  user: string;
  heavyUser: string;
}

/**
 * Fills a new database with a site's worth of jobs straight through SQL (no API, no per-job
 * JavaScript): jobs of mixed owners, states, projects and applications, each with its updates,
 * personal jobs shared with users and project jobs with groups, and a funded wallet per owner.
 * Written for benchmarks: a million jobs take seconds rather than the hours the API would.
 */
export function generateSiteData(file: string, o: SiteDataOptions): SiteData {
  const db = openDatabase(file);
  const sqlite = db.$client;
  sqlite.pragma('synchronous = OFF');
  sqlite.pragma('cache_size = -262144');
  const firstActive = o.jobs - o.active + 1;
  const spec = JSON.stringify(DEMO_SPEC);
  sqlite.transaction(() => {
    sqlite.exec(`CREATE TEMP TABLE gen AS
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${o.jobs})
      SELECT i, (i * 2654435761) % 1000003 AS h,
        CASE WHEN i % 10 = 0 THEN 0 ELSE 1 + (i * 7919) % (${o.users} - 1) END AS u
      FROM n`);
    sqlite
      .prepare(
        `INSERT INTO jobs (id, owner_username, owner_project, name, application_name,
          application_version, provider, product_id, product_category, replicas, specification,
          state, started_at, expires_at, time_allocation_ms, provider_generated_id, created_at,
          updated_at, charge_period_ms, charged_periods, running_ms, running_since, next_charge_at)
        SELECT i, 'user-' || u, project, name, app, '1.0.0', 'example', product, product, 1,
          json_set(:spec, '$.application.name', app, '$.product.id', product,
            '$.product.category', product, '$.name', name, '$.parameters.value.value', 'v' || i),
          state, started, NULL, NULL, CASE WHEN state = 'IN_QUEUE' THEN NULL ELSE 'p-' || i END,
          created, created, period, CASE WHEN state = 'RUNNING' THEN 1 ELSE 0 END, 0,
          CASE WHEN state = 'RUNNING' THEN running END,
          CASE WHEN state = 'RUNNING' THEN running + period + 1 END
        FROM (SELECT i, u,
          CASE WHEN i % 3 = 0 THEN 'project-' || (u % ${o.projects}) END AS project,
          CASE WHEN h % 5 = 0 THEN 'run ' || i END AS name,
          CASE WHEN h % 100 < 60 THEN 'acme-batch' WHEN h % 100 < 90 THEN 'a-batch-application'
            WHEN h % 100 < 99 THEN 'acme-web-application' ELSE 'busybox-batch' END AS app,
          CASE WHEN h % 20 < 16 THEN 'example-compute' WHEN h % 20 < 19 THEN 'docker-cpu'
            ELSE 'vm-cpu' END AS product,
          CASE WHEN i >= ${firstActive} THEN 'RUNNING' WHEN h % 10 < 7 THEN 'SUCCESS' WHEN h % 10 < 9 THEN 'FAILURE' ELSE 'EXPIRED' END AS state,
          :now - (${o.jobs} - i) * 1000 AS created,
          :now - (${o.jobs} - i) * 1000 + 500 AS started,
          -- Running for less than half a period: none owes a charge for half a period, and moved
          -- on one period (makeRunningJobsDue), each owes exactly one.
          :now - (i * 997) % (${o.chargePeriodMs} / 2) AS running,
          ${o.chargePeriodMs} AS period
        FROM gen)`,
      )
      .run({ spec, now: o.now });
    // Every job was queued; those past it have a second update with their state now.
    sqlite
      .prepare(
        `INSERT INTO job_updates (job_id, "update", state_after)
        SELECT id, json_object('state', 'IN_QUEUE', 'outputFolder', NULL, 'status',
          'Your job is now waiting in the queue!', 'expectedState', NULL,
          'expectedDifferentState', json('false'), 'newTimeAllocation', NULL,
          'allowRestart', NULL, 'newMounts', NULL, 'timestamp', created_at), 'IN_QUEUE'
        FROM jobs ORDER BY id`,
      )
      .run();
    sqlite
      .prepare(
        `INSERT INTO job_updates (job_id, "update", state_after)
        SELECT id, json_object('state', state, 'outputFolder', NULL, 'status', 'done',
          'expectedState', NULL, 'expectedDifferentState', json('false'),
          'newTimeAllocation', NULL, 'allowRestart', NULL, 'newMounts', NULL,
          'timestamp', started_at), state
        FROM jobs WHERE state <> 'IN_QUEUE' ORDER BY id`,
      )
      .run();
    sqlite.exec(`
      WITH RECURSIVE n(p) AS (SELECT 0 UNION ALL SELECT p + 1 FROM n WHERE p < ${o.projects - 1})
      INSERT INTO projects (id, title, created_at) SELECT 'project-' || p, 'Project ' || p, 0 FROM n;
      INSERT INTO project_groups (id, project_id, title, created_at)
        SELECT 'group-' || substr(id, 9), id, 'Group', 0 FROM projects;`);
    sqlite.exec(`
      WITH RECURSIVE n(u) AS (SELECT 0 UNION ALL SELECT u + 1 FROM n WHERE u < ${o.users - 1})
      INSERT INTO project_members (project_id, username, role, created_at)
        SELECT 'project-' || (u % ${o.projects}), 'user-' || u,
          CASE WHEN u < ${o.projects} THEN 'PI' ELSE 'USER' END, 0 FROM n;
      INSERT INTO group_members (group_id, username)
        SELECT 'group-' || substr(project_id, 9), username FROM project_members
        WHERE (CAST(substr(username, 6) AS INTEGER) / ${o.projects}) % 2 = 1;`);
    // One in twenty personal jobs is shared with the next user; one in ten project jobs with its group.
    sqlite.exec(`
      INSERT INTO job_acl (job_id, username, permission)
        SELECT i, 'user-' || ((u + 1) % ${o.users}), 'READ' FROM gen WHERE i % 3 <> 0 AND i % 20 = 1;
      INSERT INTO job_group_acl (job_id, group_id, permission)
        SELECT i, 'group-' || (u % ${o.projects}), 'EDIT' FROM gen WHERE i % 3 = 0 AND i % 10 = 0;`);
    sqlite
      .prepare(
        `WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k < ${o.users + o.projects - 1})
        INSERT INTO wallets (owner_key, category, provider)
        SELECT CASE WHEN k < ${o.users} THEN 'user:user-' || k
          ELSE 'project:project-' || (k - ${o.users}) END, c.category, 'example'
        FROM n, (SELECT 'example-compute' AS category UNION ALL SELECT 'docker-cpu'
          UNION ALL SELECT 'vm-cpu') AS c`,
      )
      .run();
    sqlite.exec(
      `INSERT INTO allocation_groups (wallet_id, parent_wallet_id) SELECT id, 0 FROM wallets;`,
    );
    sqlite
      .prepare(
        `INSERT INTO allocations (group_id, start_date, end_date, quota, created_at)
        SELECT id, :now - 86400000, :now + 365 * 86400000, 9007199254740991, :now
        FROM allocation_groups`,
      )
      .run({ now: o.now });
    sqlite.exec('DROP TABLE gen');
  })();
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  sqlite.close();
  const p = 7 % o.projects;
  return {
    member: `user-${p + o.projects}`,
    project: `project-${p}`,
    group: `group-${p}`,
    pi: `user-${p}`,
    user: `user-${o.projects * 2 + 1}`,
    heavyUser: 'user-0',
  };
}

/**
 * Moves every RUNNING job of a generated site one charging period on and makes it due now, as if
 * a period had passed: the next round of the orchestrator's charger charges each one period.
 */
export function makeRunningJobsDue(file: string, now: number): number {
  const sqlite = openDatabase(file).$client;
  try {
    return sqlite
      .prepare(
        `UPDATE jobs SET running_since = running_since - charge_period_ms, next_charge_at = ?
        WHERE state = 'RUNNING'`,
      )
      .run(now).changes;
  } finally {
    sqlite.close();
  }
}
