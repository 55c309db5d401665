import {
  ApiError,
  ComputeSupport,
  JobsCreateRequest,
  JobUpdate,
  type JobSpecificationInput,
  type UserActor,
} from '@ucloud/contracts';
import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { Catalog, DEMO_CATALOG_FILE } from '../catalog/catalog.js';
import { ProjectStore } from '../projects/store.js';
import { SessionStore } from '../sessions/session-store.js';
import { SessionRules } from '../sessions/sessions.js';
import { FakeProvider } from '../testing/fake-provider.js';
import { openCore, type Core } from '../testing/core.js';
import { JobAccess } from './access.js';
import { JobAclStore } from './acl-store.js';
import { JobBrowser } from './browse.js';
import { JobService } from './service.js';

const PRODUCT = { id: 'example-compute', category: 'example-compute', provider: 'example' };
const user = (username: string): UserActor => ({
  kind: 'user',
  username,
  admin: false,
  operator: false,
  project: null,
  role: null,
});
const alice = user('alice');
const item = (extra: Partial<JobSpecificationInput> = {}) => ({
  application: { name: 'acme-batch', version: '1.0.0' },
  product: PRODUCT,
  parameters: { value: { type: 'text' as const, value: 'x' } },
  ...extra,
});

/** Declared support of the demo product: extension and shells yes, suspension no. */
const declared = ComputeSupport.parse({
  product: PRODUCT,
  docker: null,
  virtualMachine: null,
  native: { enabled: true, timeExtension: true, suspension: false, logs: true, terminal: true },
});

let core: Core;
let provider: FakeProvider;
let sessions: SessionRules;
let jobs: JobService;
let broke = false;

beforeEach(() => {
  core = openCore();
  provider = new FakeProvider();
  broke = false;
  const projects = new ProjectStore(core.db);
  const acl = new JobAclStore(core.db);
  const access = new JobAccess({ jobs: core.jobs, acl, projects });
  sessions = new SessionRules({ store: new SessionStore(core.db), access, ticketTtlMs: 60_000 });
  jobs = new JobService({
    jobs: core.jobs,
    transitions: core.transitions,
    access,
    sessions,
    acl,
    browser: new JobBrowser(core.db),
    catalog: Catalog.fromFile(DEMO_CATALOG_FILE),
    projects,
    notifier: core.notifier,
    log: pino({ level: 'silent' }),
    closing: new AbortController().signal,
    logs: { backoff: { initialMs: 1, maxMs: 1 }, drainAttempts: 1 },
    providers: (id) => (id === 'example' ? provider : undefined),
    support: {
      supportOf: async () => declared,
      cached: () => declared,
      knows: () => true,
    },
    funds: () => ({
      require: (_owner, _product, _replicas, field) => {
        if (broke) throw new ApiError('PAYMENT_REQUIRED', `${field}: not enough credits`);
      },
    }),
    requireLicense: () => 0,
    chargePeriodOf: () => 60_000,
  });
});

async function created(extra: Partial<JobSpecificationInput> = {}): Promise<string> {
  const { responses } = await jobs.create(alice, JobsCreateRequest.parse({ items: [item(extra)] }));
  return responses[0]!.id;
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => (e instanceof ApiError ? { code: e.code, message: e.message } : e),
  );

describe('JobService (in process, with a fake provider)', () => {
  it('stores a new job IN_QUEUE with a call asking its provider to start it', async () => {
    const id = await created();
    expect((await jobs.retrieve(alice, { id })).status.state).toBe('IN_QUEUE');
    expect(core.outbox.due(Date.now(), 10).map((r) => [String(r.jobId), r.kind])).toEqual([
      [id, 'create'],
    ]);
  });

  it('refuses a job its wallet cannot pay, storing none of the request', async () => {
    broke = true;
    const request = JobsCreateRequest.parse({ items: [item()] });
    expect(await failure(jobs.create(alice, request))).toEqual({
      code: 'PAYMENT_REQUIRED',
      message: 'items[0].product: not enough credits',
    });
    expect(core.outbox.due(Date.now(), 10)).toEqual([]);
  });

  it('cancels at once a job whose start was never delivered, without calling the provider', async () => {
    const id = await created();
    await jobs.terminate(alice, { items: [{ id }] });
    const job = await jobs.retrieve(alice, { id });
    expect(job.updates.map((u) => [u.state, u.status])).toEqual([
      ['IN_QUEUE', 'Your job is now waiting in the queue!'],
      ['SUCCESS', 'Your job has been cancelled!'],
    ]);
    expect(core.outbox.due(Date.now(), 10)).toEqual([]);
  });

  it('answers 404 to another user, exactly as for a job that does not exist', async () => {
    const id = await created();
    const asBob = await failure(jobs.retrieve(user('bob'), { id }));
    const missing = await failure(jobs.retrieve(user('bob'), { id: '999' }));
    expect(asBob).toEqual({ code: 'NOT_FOUND', message: `id: no job with id "${id}"` });
    expect(missing).toEqual({ code: 'NOT_FOUND', message: 'id: no job with id "999"' });
  });

  it('extends through the provider and moves the deadline; a provider refusal keeps its meaning', async () => {
    const id = await created({ timeAllocation: { hours: 1, minutes: 0, seconds: 0 } });
    const hour = { hours: 1, minutes: 0, seconds: 0 };
    await jobs.extend(alice, { items: [{ jobId: id, requestedTime: hour }] });
    expect(provider.calls).toEqual([{ call: 'extend', jobIds: [id] }]);
    expect(core.jobs.get(Number(id))?.timeAllocationMs).toBe(2 * 3_600_000);

    provider.refuse = new ApiError('CONFLICT', 'Job has already ended');
    expect(
      await failure(jobs.extend(alice, { items: [{ jobId: id, requestedTime: hour }] })),
    ).toEqual({
      code: 'CONFLICT',
      message: 'items[0]: Job has already ended',
    });
    expect(core.jobs.get(Number(id))?.timeAllocationMs).toBe(2 * 3_600_000);
  });

  it('refuses what the product does not declare, without asking the provider', async () => {
    const id = await created();
    core.transitions.applyProviderUpdates(
      'example',
      [{ id, update: JobUpdate.parse({ state: 'RUNNING' }) }],
      null,
      Date.now(),
    );
    expect(await failure(jobs.suspend(alice, { items: [{ id }] }))).toEqual({
      code: 'BAD_REQUEST',
      message:
        'items[0]: suspension is not supported by product example-compute of provider example',
    });
    expect(provider.calls).toEqual([]);
  });

  it('never shows a job ended with output missing: a follow that cannot fetch it ends for a retry', async () => {
    const id = await created();
    const report = (state: 'RUNNING' | 'SUCCESS') =>
      core.transitions.applyProviderUpdates(
        'example',
        [{ id, update: JobUpdate.parse({ state }) }],
        null,
        Date.now(),
      );
    report('RUNNING');
    report('SUCCESS');
    provider.output = 'hello\n';
    provider.logsDown = true;
    const seen: Array<{ id: string; states: string[]; stdout: string }> = [];
    const follow = async (lastEventId: string | null) => {
      for await (const event of jobs.follow(alice, id, lastEventId, undefined))
        seen.push({
          id: event.id,
          states: event.data.updates.map((u) => u.state ?? ''),
          stdout: event.data.log.map((l) => l.stdout ?? '').join(''),
        });
    };
    expect(await failure(follow(null))).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect(seen.flatMap((e) => e.states)).toEqual(['IN_QUEUE', 'RUNNING']);

    provider.logsDown = false;
    const before = seen.length;
    await follow(seen.at(-1)?.id ?? null);
    const resumed = seen.slice(before);
    expect(resumed.map((e) => e.stdout).join('')).toBe('hello\n');
    expect(resumed.flatMap((e) => e.states)).toEqual(['SUCCESS']);
  });

  it('records an interactive session and gives the provider its ticket, which opens it once', async () => {
    const id = await created();
    core.transitions.applyProviderUpdates(
      'example',
      [{ id, update: JobUpdate.parse({ state: 'RUNNING' }) }],
      null,
      Date.now(),
    );
    const { responses } = await jobs.openInteractiveSession(alice, {
      items: [{ id, rank: 0, sessionType: 'SHELL' }],
    });
    expect(responses[0]?.providerId).toBe('example');
    const [ticket] = provider.tickets;
    const gateway = { kind: 'provider' as const, providerId: 'example' };
    expect(await sessions.redeemSession(gateway, { ticket: ticket! })).toMatchObject({
      jobId: id,
      rank: 0,
      sessionType: 'SHELL',
      username: 'alice',
    });
    expect(await failure(sessions.redeemSession(gateway, { ticket: ticket! }))).toMatchObject({
      code: 'FORBIDDEN',
    });
  });

  it('lists sessions to administrators only', async () => {
    expect(await failure(jobs.browseSessions(alice, {}))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await jobs.browseSessions({ ...alice, admin: true }, {})).toEqual({
      itemsPerPage: 50,
      items: [],
      next: null,
    });
  });
});
