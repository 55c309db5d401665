import { beforeAll, describe, expect, it } from 'vitest';
import { acmeBatch, errorOf, followUntil, useStack, waitForJob, webApp } from './harness.js';

const stack = useStack({ extraUsers: ['alice:alice-token-123', 'bob:bob-token-4567'] });
const owner = stack.client();
const alice = stack.client('alice-token-123');
const bob = stack.client('bob-token-4567');
let jobId: string;

beforeAll(async () => {
  jobId = (
    await owner.jobs.create.mutate({
      items: [webApp({ timeAllocation: { hours: 1, minutes: 0, seconds: 0 } })],
    })
  ).responses[0]!.id;
  await waitForJob(owner, jobId, (j) => j.status.state === 'RUNNING');
});

/** A job connected to `peer` (the spec's "Connect to Job"). */
const asPeer = (peer: string) =>
  acmeBatch('peer', 0, { resources: [{ type: 'peer', hostname: 'web', jobId: peer }] });

const grant = (username: string, permissions: Array<'READ' | 'EDIT'>) =>
  owner.jobs.updateAcl.mutate({
    items: [
      { id: jobId, added: [{ entity: { type: 'user', username }, permissions }], deleted: [] },
    ],
  });

describe('sharing a job', () => {
  it('keeps a job invisible and untouchable to everyone else, on every call', async () => {
    for (const who of [alice, bob]) {
      const calls: Array<() => Promise<unknown>> = [
        () => who.jobs.retrieve.query({ id: jobId }),
        () => who.jobs.terminate.mutate({ items: [{ id: jobId }] }),
        () =>
          who.jobs.extend.mutate({
            items: [{ jobId, requestedTime: { hours: 1, minutes: 0, seconds: 0 } }],
          }),
        () => who.jobs.suspend.mutate({ items: [{ id: jobId }] }),
        () => who.jobs.unsuspend.mutate({ items: [{ id: jobId }] }),
        () => who.jobs.retrieveUtilization.query({ jobId }),
        () => who.jobs.updateAcl.mutate({ items: [{ id: jobId, added: [], deleted: [] }] }),
        () => followUntil(who, jobId, { timeoutMs: 10_000 }),
        // Connecting to it as a peer is touching it too.
        () => who.jobs.create.mutate({ items: [asPeer(jobId)] }),
      ];
      for (const call of calls) expect((await errorOf(call())).data?.code).toBe('NOT_FOUND');
      expect((await who.jobs.browse.query({})).items).toHaveLength(0);
      expect((await who.jobs.search.query({ query: jobId })).items).toHaveLength(0);
    }
    expect((await errorOf(alice.jobs.create.mutate({ items: [asPeer(jobId)] }))).message).toBe(
      `items[0].resources[0].jobId: no job with id ${JSON.stringify(jobId)}`,
    );
    expect((await owner.jobs.retrieve.query({ id: jobId })).status.state).toBe('RUNNING');
  });

  it('lets a user with READ see and follow the job, but not control it', async () => {
    await grant('alice', ['READ']);
    const seen = await alice.jobs.retrieve.query({ id: jobId });
    expect(seen.owner.createdBy).toBe('user');
    expect(seen.permissions).toEqual({ myself: ['READ'], others: null });
    expect((await alice.jobs.browse.query({})).items.map((j) => j.id)).toEqual([jobId]);
    const events = await followUntil(alice, jobId, {
      until: (e) => e.some((m) => m.data.log.length > 0),
    });
    expect(events[0]!.data.updates[0]!.state).toBe('IN_QUEUE');
    const refused = await errorOf(alice.jobs.terminate.mutate({ items: [{ id: jobId }] }));
    expect(refused.data?.code).toBe('FORBIDDEN');
    expect(refused.message).toMatch(/without EDIT permission/);
    expect(
      (
        await errorOf(
          alice.jobs.updateAcl.mutate({ items: [{ id: jobId, added: [], deleted: [] }] }),
        )
      ).data?.code,
    ).toBe('FORBIDDEN');
    expect((await errorOf(bob.jobs.retrieve.query({ id: jobId }))).data?.code).toBe('NOT_FOUND');
  });

  it('lists shared jobs among the caller’s own, newest first, across pages', async () => {
    // Seeing the job is enough to connect a new job of one's own to it as a peer.
    const own = (await alice.jobs.create.mutate({ items: [asPeer(jobId)] })).responses[0]!.id;
    expect((await alice.jobs.browse.query({})).items.map((j) => j.id)).toEqual([own, jobId]);
    const first = await alice.jobs.browse.query({ itemsPerPage: 1 });
    expect(first.items.map((j) => j.id)).toEqual([own]);
    const second = await alice.jobs.browse.query({ itemsPerPage: 1, next: first.next });
    expect(second.items.map((j) => j.id)).toEqual([jobId]);
    expect(
      (await alice.jobs.browse.query({ filterCreatedBy: 'user' })).items.map((j) => j.id),
    ).toEqual([jobId]);
  });

  it('shows the owner who has access, with includeOthers', async () => {
    const job = await owner.jobs.retrieve.query({ id: jobId, includeOthers: true });
    expect(job.permissions).toEqual({
      myself: ['ADMIN'],
      others: [{ entity: { type: 'user', username: 'alice' }, permissions: ['READ'] }],
    });
    expect((await owner.jobs.retrieve.query({ id: jobId })).permissions?.others).toBeNull();
  });

  it('refuses grants that make no sense, naming the field', async () => {
    const admin = await errorOf(
      owner.jobs.updateAcl.mutate({
        items: [
          {
            id: jobId,
            added: [{ entity: { type: 'user', username: 'bob' }, permissions: ['ADMIN'] }],
            deleted: [],
          },
        ],
      }),
    );
    expect(admin.message).toBe(
      'items[0].added[0].permissions[0]: only READ and EDIT can be granted',
    );
    const self = await errorOf(grant('user', ['READ']));
    expect(self.message).toMatch(/items\[0\]\.added\[0\]\.entity: user owns the job already/);
  });

  it('lets a user with EDIT terminate the job, and revoking takes it away', async () => {
    await grant('alice', ['EDIT']);
    expect((await alice.jobs.retrieve.query({ id: jobId })).permissions?.myself).toEqual(['EDIT']);
    await alice.jobs.extend.mutate({
      items: [{ jobId, requestedTime: { hours: 0, minutes: 30, seconds: 0 } }],
    });
    await alice.jobs.terminate.mutate({ items: [{ id: jobId }] });
    await waitForJob(owner, jobId, (j) => j.status.state === 'SUCCESS');
    expect((await errorOf(alice.jobs.create.mutate({ items: [asPeer(jobId)] }))).message).toBe(
      `items[0].resources[0].jobId: job ${jobId} has ended (SUCCESS) and cannot be a peer`,
    );

    await owner.jobs.updateAcl.mutate({
      items: [{ id: jobId, added: [], deleted: [{ type: 'user', username: 'alice' }] }],
    });
    expect((await errorOf(alice.jobs.retrieve.query({ id: jobId }))).data?.code).toBe('NOT_FOUND');
  });
});
