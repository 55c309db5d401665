import {
  ApiError,
  JobUpdate,
  type JobState,
  type ProviderActor,
  type UserActor,
} from '@ucloud/contracts';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JobAccess } from '../jobs/access.js';
import { JobAclStore } from '../jobs/acl-store.js';
import type { JobRow } from '../jobs/job-view.js';
import { ProjectStore } from '../projects/store.js';
import { newJob, openCore, type Core } from '../testing/core.js';
import { SessionStore } from './session-store.js';
import { SessionRules } from './sessions.js';

const TTL = 5 * 60_000;
const gateway = (providerId: string): ProviderActor => ({ kind: 'provider', providerId });
const example = gateway('example');
const admin: UserActor = {
  kind: 'user',
  username: 'root',
  admin: true,
  operator: false,
  project: null,
  role: null,
};

let core: Core;
let acl: JobAclStore;
let projects: ProjectStore;
let rules: SessionRules;

beforeEach(() => {
  core = openCore();
  acl = new JobAclStore(core.db);
  projects = new ProjectStore(core.db);
  rules = new SessionRules({
    store: new SessionStore(core.db),
    access: new JobAccess({ jobs: core.jobs, acl, projects }),
    ticketTtlMs: TTL,
  });
});

afterEach(() => {
  vi.useRealTimers();
});

/** A job of alice's (or of a project) that its provider reported RUNNING. */
function runningJob(project: string | null = null): JobRow {
  const [id] = core.transitions.create(
    [newJob({ owner: { username: 'alice', project } })],
    Date.now(),
  );
  report(id!, 'RUNNING');
  return job(id!);
}

const job = (id: number) => core.jobs.get(id)!;

function report(id: number, state: JobState): void {
  core.transitions.applyProviderUpdates(
    'example',
    [{ id: String(id), update: JobUpdate.parse({ state }) }],
    null,
    Date.now(),
  );
}

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => (e instanceof ApiError ? { code: e.code, message: e.message } : e),
  );

const forbidden = (message: string) => ({ code: 'FORBIDDEN', message });

/** A session alice (or `username`) opened on rank 0 and the gateway connected. */
async function connected(row: JobRow, username = 'alice'): Promise<string> {
  const ticket = rules.open(username, row, 0, 'SHELL');
  return (await rules.redeemSession(example, { ticket })).sessionId;
}

describe('session tickets', () => {
  it('are 32 URL-safe characters, opening once what they were issued for', async () => {
    const row = runningJob();
    const ticket = rules.open('alice', row, 0, 'WEB');
    expect(ticket).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(await rules.redeemSession(example, { ticket })).toEqual({
      sessionId: expect.any(String),
      jobId: String(row.id),
      rank: 0,
      sessionType: 'WEB',
      username: 'alice',
    });
    expect(await refusal(rules.redeemSession(example, { ticket }))).toEqual(
      forbidden('ticket: used already; open a new session'),
    );
  });

  it('expire after their lifetime', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const row = runningJob();
    const late = rules.open('alice', row, 0, 'SHELL');
    const inTime = rules.open('alice', row, 0, 'SHELL');
    vi.advanceTimersByTime(TTL - 1);
    await rules.redeemSession(example, { ticket: inTime });
    vi.advanceTimersByTime(1);
    expect(await refusal(rules.redeemSession(example, { ticket: late }))).toEqual(
      forbidden('ticket: expired; open a new session'),
    );
  });

  it("open only through the job's provider; another's is told nothing more than for a made-up one", async () => {
    const ticket = rules.open('alice', runningJob(), 0, 'SHELL');
    const unknown = forbidden('ticket: no session has this ticket');
    expect(await refusal(rules.redeemSession(gateway('other'), { ticket }))).toEqual(unknown);
    expect(await refusal(rules.redeemSession(example, { ticket: 'x'.repeat(32) }))).toEqual(
      unknown,
    );
    await rules.redeemSession(example, { ticket });
  });

  it('open only while the job runs', async () => {
    const row = runningJob();
    const ticket = rules.open('alice', row, 0, 'VNC');
    report(row.id, 'SUSPENDED');
    expect(await refusal(rules.redeemSession(example, { ticket }))).toEqual(
      forbidden('ticket: the job is SUSPENDED'),
    );
    report(row.id, 'SUCCESS');
    expect(await refusal(rules.redeemSession(example, { ticket }))).toEqual(
      forbidden('ticket: the job has ended (SUCCESS)'),
    );
  });

  it('open only while their user holds EDIT on the job', async () => {
    const row = runningJob();
    const bob = { type: 'user' as const, username: 'bob' };
    acl.updateAcl([
      { jobId: row.id, added: [{ entity: bob, permissions: ['EDIT'] }], deleted: [] },
    ]);
    const ticket = rules.open('bob', row, 0, 'SHELL');
    acl.updateAcl([
      { jobId: row.id, added: [{ entity: bob, permissions: ['READ'] }], deleted: [] },
    ]);
    expect(await refusal(rules.redeemSession(example, { ticket }))).toEqual(
      forbidden('ticket: you no longer have EDIT permission on the job'),
    );
  });
});

describe('checking open sessions', () => {
  it('answers nothing while the job runs and its users keep EDIT', async () => {
    const row = runningJob();
    const ids = [await connected(row), await connected(row)];
    expect(await rules.checkSessions(example, { ids })).toEqual([]);
  });

  it('closes sessions of a job that was suspended or ended', async () => {
    const suspended = runningJob();
    const ended = runningJob();
    const ids = [await connected(suspended), await connected(ended)];
    report(suspended.id, 'SUSPENDED');
    report(ended.id, 'FAILURE');
    expect(await rules.checkSessions(example, { ids })).toEqual([
      { id: ids[0], reason: 'the job is SUSPENDED' },
      { id: ids[1], reason: 'the job has ended (FAILURE)' },
    ]);
  });

  it('closes the sessions of a user who lost EDIT: an ACL change, leaving the project', async () => {
    const project = projects.create([{ title: 'p', parentId: null, pi: 'alice' }], Date.now())[0]!;
    const group = projects.createGroup(project, 'g', Date.now());
    for (const user of ['bob', 'carol']) {
      projects.setMember(project, user, 'USER', Date.now());
      projects.addGroupMember(group, user);
    }
    const row = runningJob(project);
    const entity = { type: 'project_group' as const, projectId: project, group };
    acl.updateAcl([{ jobId: row.id, added: [{ entity, permissions: ['EDIT'] }], deleted: [] }]);
    const [owner, bob, carol] = [
      await connected(row, 'alice'),
      await connected(row, 'bob'),
      await connected(row, 'carol'),
    ];
    projects.deleteMember(project, 'carol');
    expect(await rules.checkSessions(example, { ids: [owner, bob, carol] })).toEqual([
      { id: carol, reason: 'you no longer have EDIT permission on the job' },
    ]);
    acl.updateAcl([{ jobId: row.id, added: [], deleted: [entity] }]);
    expect(await rules.checkSessions(example, { ids: [owner, bob] })).toEqual([
      { id: bob, reason: 'you no longer have EDIT permission on the job' },
    ]);
  });

  it("closes what it does not know as open: unknown, another provider's, closed, never connected", async () => {
    const row = runningJob();
    const closed = await connected(row);
    await rules.closedSessions(example, { items: [{ id: closed, reason: 'user left' }] });
    const foreign = await connected(row);
    rules.open('alice', row, 0, 'SHELL');
    const [unredeemed] = (await rules.browseSessions(admin, { itemsPerPage: 1 })).items;
    const answer = await rules.checkSessions(gateway('other'), { ids: [foreign] });
    expect(answer).toEqual([{ id: foreign, reason: 'the session is unknown' }]);
    expect(
      await rules.checkSessions(example, { ids: ['999', 'nope', closed, unredeemed!.id] }),
    ).toEqual([
      { id: '999', reason: 'the session is unknown' },
      { id: 'nope', reason: 'the session is unknown' },
      { id: closed, reason: 'user left' },
      { id: unredeemed!.id, reason: 'the session was never opened with its ticket' },
    ]);
  });
});

describe('closed sessions', () => {
  it("are recorded once, with the first reason, and only for the provider's own", async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const row = runningJob();
    const id = await connected(row);
    await rules.closedSessions(gateway('other'), { items: [{ id, reason: 'not mine' }] });
    await rules.closedSessions(example, { items: [{ id, reason: 'the job ended' }] });
    const closedAt = Date.now();
    vi.advanceTimersByTime(1_000);
    await rules.closedSessions(example, {
      items: [
        { id, reason: 'again' },
        { id: 'x', reason: '' },
      ],
    });
    const [session] = (await rules.browseSessions(admin, {})).items;
    expect(session).toMatchObject({ id, closedAt, closeReason: 'the job ended' });
  });
});

describe('browsing sessions', () => {
  it('is for administrators only', async () => {
    const alice: UserActor = { ...admin, username: 'alice', admin: false };
    expect(await refusal(rules.browseSessions(alice, {}))).toEqual(
      forbidden('Only administrators list interactive sessions'),
    );
  });

  it('pages newest first; filterOpen leaves out closed sessions and expired tickets', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const row = runningJob();
    const openedAt = Date.now();
    rules.open('alice', row, 0, 'SHELL');
    vi.advanceTimersByTime(TTL);
    const closed = await connected(row);
    await rules.closedSessions(example, { items: [{ id: closed, reason: 'done' }] });
    const live = await connected(row);
    rules.open('alice', row, 1, 'WEB');

    const first = await rules.browseSessions(admin, { itemsPerPage: 3 });
    const second = await rules.browseSessions(admin, { itemsPerPage: 3, next: first.next });
    expect(second.next).toBeNull();
    const all = [...first.items, ...second.items];
    expect(all.map((s) => s.id)).toEqual(['4', '3', '2', '1']);
    expect(all[0]).toMatchObject({ rank: 1, sessionType: 'WEB', connectedAt: null });
    expect(all[3]).toMatchObject({ expiresAt: openedAt + TTL, connectedAt: null, closedAt: null });

    const open = await rules.browseSessions(admin, { filterOpen: true });
    expect(open.items.map((s) => s.id)).toEqual(['4', live]);
    expect(await refusal(rules.browseSessions(admin, { next: 'x' }))).toEqual({
      code: 'BAD_REQUEST',
      message: 'next: not a cursor returned by browseSessions',
    });
  });
});
