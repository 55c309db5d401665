import type { ProjectRole } from '@ucloud/contracts';
import { expect, it } from 'vitest';
import { ProjectStore } from '../projects/store.js';
import { newJob, openCore } from '../testing/core.js';
import { allows, JobAccess, permissionsOf, type Workspace } from './access.js';
import { JobAclStore } from './acl-store.js';
import { JobBrowser } from './browse.js';

/**
 * The per-row rule (`permissionsOf`) and the SQL that browse lists by (`visibleScopes`) are two
 * writings of one rule: on a table of jobs, grants and callers, a job of the caller's workspace
 * is listed exactly when the caller holds READ on it.
 */
it('lists exactly the jobs of a workspace the caller may read', () => {
  const core = openCore();
  const projects = new ProjectStore(core.db);
  const acl = new JobAclStore(core.db);
  const browser = new JobBrowser(core.db);
  const access = new JobAccess({ jobs: core.jobs, acl, projects });
  const now = 1000;

  const [p1] = projects.create([{ title: 'P1', parentId: null, pi: 'pi' }], now);
  const [p2] = projects.create([{ title: 'P2', parentId: null, pi: 'pi2' }], now);
  const members: Array<[string, ProjectRole]> = [
    ['admin', 'ADMIN'],
    ['alice', 'USER'],
    ['bob', 'USER'],
    ['carol', 'USER'],
  ];
  for (const [username, role] of members) projects.setMember(p1!, username, role, now);
  projects.setMember(p2!, 'alice', 'USER', now);
  const readers = projects.createGroup(p1!, 'readers', now);
  const editors = projects.createGroup(p1!, 'editors', now);
  const elsewhere = projects.createGroup(p2!, 'elsewhere', now);
  projects.addGroupMember(readers, 'bob');
  projects.addGroupMember(editors, 'carol');
  projects.addGroupMember(elsewhere, 'alice');

  const job = (username: string, project: string | null) =>
    core.transitions.create([newJob({ owner: { username, project } })], now)[0]!;
  job('alice', null);
  const sharedRead = job('alice', null);
  const sharedEdit = job('dave', null);
  job('dave', null);
  const aliceInP1 = job('alice', p1!);
  job('bob', p1!);
  const toReaders = job('alice', p1!);
  const toEditors = job('pi', p1!);
  job('alice', p2!);
  acl.updateAcl([
    {
      jobId: sharedRead,
      added: [{ entity: { type: 'user', username: 'bob' }, permissions: ['READ'] }],
      deleted: [],
    },
    {
      jobId: sharedEdit,
      added: [{ entity: { type: 'user', username: 'alice' }, permissions: ['EDIT'] }],
      deleted: [],
    },
    {
      jobId: toReaders,
      added: [
        {
          entity: { type: 'project_group', projectId: p1!, group: readers },
          permissions: ['READ'],
        },
      ],
      deleted: [],
    },
    {
      jobId: toEditors,
      added: [
        {
          entity: { type: 'project_group', projectId: p1!, group: editors },
          permissions: ['EDIT'],
        },
      ],
      deleted: [],
    },
    // A grant to a group of another project gives nothing on a P1 job.
    {
      jobId: aliceInP1,
      added: [
        {
          entity: { type: 'project_group', projectId: p2!, group: elsewhere },
          permissions: ['READ'],
        },
      ],
      deleted: [],
    },
  ]);

  const all = core.jobs.activeOfProvider('example', 0, 100);
  const callers = ['pi', 'admin', 'alice', 'bob', 'carol', 'dave', 'eve'];
  let checked = 0;
  for (const username of callers) {
    for (const project of [null, p1!, p2!]) {
      const role = project === null ? null : projects.roleOf(project, username);
      if (project !== null && role === null) continue;
      const actor = {
        kind: 'user' as const,
        username,
        admin: false,
        operator: false,
        project,
        role,
      };
      const viewer = access.viewerOf(actor);
      const workspace: Workspace = access.workspaceOf(actor, viewer);
      const listed = browser
        .browse({ workspace, flags: {}, itemsPerPage: 100, after: null, skip: 0, ascending: true })
        .map((r) => r.id);
      const readable = all
        .filter((r) => r.ownerProject === project)
        .filter((r) => allows(permissionsOf(r, viewer, acl.aclOf([r.id]).get(r.id) ?? []), 'READ'))
        .map((r) => r.id);
      expect(listed, `${username} in ${project ?? 'their personal workspace'}`).toEqual(readable);
      checked++;
    }
  }
  expect(checked).toBeGreaterThan(10);
});
