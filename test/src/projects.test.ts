import { beforeAll, describe, expect, it } from 'vitest';
import {
  acmeBatch,
  curl as curlAs,
  errorOf,
  followUntil,
  useStack,
  waitForJob,
  type Client,
} from './harness.js';

const TOKENS = {
  admin: 'admin-token-0001',
  pi: 'pi-token-0000002',
  member: 'member-token-003',
  grouped: 'grouped-token-04',
  outsider: 'outsider-token-5',
};

const stack = useStack({
  extraUsers: [
    `+admin:${TOKENS.admin}`,
    `pi:${TOKENS.pi}`,
    `member:${TOKENS.member}`,
    `grouped:${TOKENS.grouped}`,
    `outsider:${TOKENS.outsider}`,
  ],
});
let projectId: string;
let groupId: string;
let piJob: string;
let memberJob: string;
let personalJob: string;
const as = (who: keyof typeof TOKENS, project?: string): Client =>
  stack.client(TOKENS[who], project);

beforeAll(async () => {
  projectId = (
    await as('admin').projects.create.mutate({
      items: [{ title: 'Climate', parent: null, pi: 'pi' }],
    })
  ).responses[0]!.id;
  await as('pi').projects.addMember.mutate({
    items: [
      { project: projectId, username: 'member', role: 'USER' },
      { project: projectId, username: 'grouped', role: 'USER' },
    ],
  });
  groupId = (
    await as('pi').projects.createGroup.mutate({ items: [{ project: projectId, title: 'ops' }] })
  ).responses[0]!.id;
  await as('pi').projects.addGroupMember.mutate({
    items: [{ group: groupId, username: 'grouped' }],
  });

  // Project jobs are paid from the project's wallet.
  await stack.allocate({ projectId }, 1_000_000_000_000);
  const create = async (client: Client, value: string) =>
    (await client.jobs.create.mutate({ items: [acmeBatch(value, 600)] })).responses[0]!.id;
  piJob = await create(as('pi', projectId), 'pi');
  memberJob = await create(as('member', projectId), 'member');
  personalJob = await create(as('member'), 'personal');
});

const ids = (page: { items: Array<{ id: string }> }) => page.items.map((j) => j.id).sort();

describe('projects', () => {
  it('lets only administrators create root projects and only managers change membership', async () => {
    const root = await errorOf(
      as('pi').projects.create.mutate({ items: [{ title: 'Mine', parent: null, pi: null }] }),
    );
    expect(root.data?.code).toBe('FORBIDDEN');
    expect(root.message).toContain('items[0].parent');

    const byMember = await errorOf(
      as('member').projects.addMember.mutate({
        items: [{ project: projectId, username: 'outsider', role: 'USER' }],
      }),
    );
    expect(byMember.data?.code).toBe('FORBIDDEN');

    const unknownUser = await errorOf(
      as('pi').projects.addMember.mutate({
        items: [{ project: projectId, username: 'nobody', role: 'USER' }],
      }),
    );
    expect(unknownUser.data?.code).toBe('BAD_REQUEST');
    expect(unknownUser.message).toContain('items[0].username: no user named nobody');

    const hidden = await errorOf(as('outsider').projects.retrieve.query({ id: projectId }));
    expect(hidden.data?.code).toBe('NOT_FOUND');

    const project = await as('member').projects.retrieve.query({
      id: projectId,
      includeMembers: true,
      includeGroups: true,
    });
    expect(project.specification).toEqual({ parent: null, title: 'Climate' });
    expect(project.status.myRole).toBe('USER');
    expect(project.status.members).toEqual([
      { username: 'pi', role: 'PI' },
      { username: 'grouped', role: 'USER' },
      { username: 'member', role: 'USER' },
    ]);
    expect(project.status.groups?.[0]?.status.members).toEqual(['grouped']);

    const sub = (
      await as('pi').projects.create.mutate({
        items: [{ title: 'Ocean', parent: projectId, pi: null }],
      })
    ).responses[0]!.id;
    const subProject = await as('pi').projects.retrieve.query({ id: sub });
    expect(subProject.status.path).toBe('Climate/Ocean');
    expect(subProject.status.myRole).toBe('PI');
  });

  it('makes jobs created in a project owned by the project', async () => {
    const job = await as('pi', projectId).jobs.retrieve.query({ id: piJob });
    expect(job.owner).toEqual({ createdBy: 'pi', project: projectId });
    expect(job.permissions?.myself).toEqual(['ADMIN']);
  });

  it('shows the PI every job of the project, a member only their own, and no one outside', async () => {
    expect(ids(await as('pi', projectId).jobs.browse.query({}))).toEqual([piJob, memberJob].sort());
    expect(ids(await as('member', projectId).jobs.browse.query({}))).toEqual([memberJob]);
    // The personal workspace does not show project jobs, and the project does not show personal ones.
    expect(ids(await as('member').jobs.browse.query({}))).toEqual([personalJob]);
    expect(ids(await as('pi').jobs.browse.query({}))).toEqual([]);

    for (const call of [
      () => as('outsider', projectId).jobs.browse.query({}),
      () => as('outsider', projectId).jobs.create.mutate({ items: [acmeBatch('x')] }),
    ]) {
      const e = await errorOf(call());
      expect(e.data?.code).toBe('NOT_FOUND');
      expect(e.message).toContain('project: no project with id');
    }
  });

  it('keeps another member’s and an outsider’s hands off a project job, on every call', async () => {
    for (const who of [as('member', projectId), as('grouped', projectId), as('outsider')]) {
      const calls: Array<() => Promise<unknown>> = [
        () => who.jobs.retrieve.query({ id: piJob }),
        () => who.jobs.terminate.mutate({ items: [{ id: piJob }] }),
        () =>
          who.jobs.extend.mutate({
            items: [{ jobId: piJob, requestedTime: { hours: 1, minutes: 0, seconds: 0 } }],
          }),
        () => who.jobs.suspend.mutate({ items: [{ id: piJob }] }),
        () => who.jobs.unsuspend.mutate({ items: [{ id: piJob }] }),
        () => who.jobs.retrieveUtilization.query({ jobId: piJob }),
        () => who.jobs.updateAcl.mutate({ items: [{ id: piJob, added: [], deleted: [] }] }),
        () => followUntil(who, piJob, { timeoutMs: 10_000 }),
      ];
      for (const call of calls) expect((await errorOf(call())).data?.code).toBe('NOT_FOUND');
    }
    // The PI controls the member's job.
    const job = await as('pi', projectId).jobs.retrieve.query({ id: memberJob });
    expect(job.permissions?.myself).toEqual(['ADMIN']);
  });

  it('grants a project job to a group of the project, and to nothing else', async () => {
    const pi = as('pi', projectId);
    const toUser = await errorOf(
      pi.jobs.updateAcl.mutate({
        items: [
          {
            id: piJob,
            added: [{ entity: { type: 'user', username: 'grouped' }, permissions: ['READ'] }],
            deleted: [],
          },
        ],
      }),
    );
    expect(toUser.data?.code).toBe('BAD_REQUEST');
    expect(toUser.message).toContain(
      'items[0].added[0].entity: a project job is shared with groups',
    );

    const toPersonal = await errorOf(
      as('member').jobs.updateAcl.mutate({
        items: [
          {
            id: personalJob,
            added: [
              {
                entity: { type: 'project_group', projectId, group: groupId },
                permissions: ['READ'],
              },
            ],
            deleted: [],
          },
        ],
      }),
    );
    expect(toPersonal.data?.code).toBe('BAD_REQUEST');

    await pi.jobs.updateAcl.mutate({
      items: [
        {
          id: piJob,
          added: [
            { entity: { type: 'project_group', projectId, group: groupId }, permissions: ['READ'] },
          ],
          deleted: [],
        },
      ],
    });
    const grouped = as('grouped', projectId);
    const seen = await grouped.jobs.retrieve.query({ id: piJob });
    expect(seen.permissions?.myself).toEqual(['READ']);
    expect(ids(await grouped.jobs.browse.query({}))).toEqual([piJob]);
    expect(
      (await errorOf(grouped.jobs.terminate.mutate({ items: [{ id: piJob }] }))).data?.code,
    ).toBe('FORBIDDEN');
    // Not in the group: still nothing.
    expect((await errorOf(as('member').jobs.retrieve.query({ id: piJob }))).data?.code).toBe(
      'NOT_FOUND',
    );
    const others = await pi.jobs.retrieve.query({ id: piJob, includeOthers: true });
    expect(others.permissions?.others).toEqual([
      { entity: { type: 'project_group', projectId, group: groupId }, permissions: ['READ'] },
    ]);
  });

  it('takes every grant away from someone removed from the project', async () => {
    await as('pi').projects.deleteMember.mutate({
      items: [{ project: projectId, username: 'grouped' }],
    });
    expect((await errorOf(as('grouped').jobs.retrieve.query({ id: piJob }))).data?.code).toBe(
      'NOT_FOUND',
    );
    // A member who leaves loses even the jobs they started; the PI keeps them.
    await as('member').projects.deleteMember.mutate({
      items: [{ project: projectId, username: 'member' }],
    });
    expect((await errorOf(as('member').jobs.retrieve.query({ id: memberJob }))).data?.code).toBe(
      'NOT_FOUND',
    );
    const kept = await as('pi').jobs.retrieve.query({ id: memberJob });
    expect(kept.owner).toEqual({ createdBy: 'member', project: projectId });
    await as('pi').jobs.terminate.mutate({ items: [{ id: memberJob }, { id: piJob }] });
    await waitForJob(as('pi'), piJob, (j) => j.status.state === 'SUCCESS');
  });

  it('speaks the same through REST with the Project header', async () => {
    const curl = async (token: string, ...args: string[]) => (await curlAs(token, ...args)).body;
    const created = (await curl(
      TOKENS.pi,
      '-XPOST',
      '-H',
      `Project: ${projectId}`,
      `${stack.url}/api/jobs`,
      '-d',
      JSON.stringify({ items: [acmeBatch('rest', 1)] }),
    )) as { responses: Array<{ id: string }> };
    const id = created.responses[0]!.id;
    const job = (await curl(TOKENS.pi, `${stack.url}/api/jobs/retrieve?id=${id}`)) as {
      owner: unknown;
    };
    expect(job.owner).toEqual({ createdBy: 'pi', project: projectId });
    const projects = (await curl(TOKENS.pi, `${stack.url}/api/projects/v2/browse`)) as {
      items: Array<{ id: string }>;
    };
    expect(projects.items.map((p) => p.id)).toContain(projectId);
    const refused = await curl(
      TOKENS.outsider,
      '-H',
      `Project: ${projectId}`,
      `${stack.url}/api/jobs/browse`,
    );
    expect(refused.errorCode).toBe('NOT_FOUND');
  });
});
