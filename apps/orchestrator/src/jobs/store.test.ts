import { JobSpecification } from '@ucloud/contracts';
import { beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/client.js';
import { JobStore } from './store.js';

const spec = JobSpecification.parse({
  application: { name: 'acme-batch', version: '1.0.0' },
  product: { id: 'example-compute', category: 'example-compute', provider: 'example' },
  parameters: { value: { type: 'text', value: 'x' } },
});

let store: JobStore;
const owner = { username: 'user', project: null };

beforeEach(() => {
  store = new JobStore(openDatabase(':memory:'));
});

const update = (
  id: number,
  state: string | null,
  status = 'x',
  timestamp: number | null = null,
) => ({
  id: String(id),
  update: {
    state,
    status,
    expectedState: null,
    expectedDifferentState: null,
    outputFolder: null,
    newTimeAllocation: null,
    allowRestart: null,
    newMounts: null,
    timestamp,
  } as never,
});

describe('JobStore', () => {
  it('creates a job in IN_QUEUE with its first update and an outbox row', () => {
    const [id] = store.create(
      [
        {
          owner,
          specification: spec,
          timeAllocationMs: null,
          chargePeriodMs: null,
          licenseIds: [],
        },
      ],
      1000,
    );
    const job = store.get(id!)!;
    expect(job.state).toBe('IN_QUEUE');
    expect(store.updatesOf(id!).map((u) => u.stateAfter)).toEqual(['IN_QUEUE']);
    expect(store.dueOutbox(1000, 10).map((r) => [r.jobId, r.kind])).toEqual([[id, 'create']]);
  });

  it('applies a batch with a cursor once, and ignores it when resent', () => {
    const [id] = store.create(
      [
        {
          owner,
          specification: spec,
          timeAllocationMs: null,
          chargePeriodMs: null,
          licenseIds: [],
        },
      ],
      1000,
    );
    const batch = [update(id!, 'RUNNING'), update(id!, null, 'still running')];
    expect(
      store.applyProviderUpdates('example', batch, { stream: 's', seq: '2' }, 2000).changed,
    ).toEqual([id, id]);
    const resent = store.applyProviderUpdates('example', batch, { stream: 's', seq: '2' }, 3000);
    expect(resent.changed).toEqual([]);
    expect(store.updatesOf(id!)).toHaveLength(3);
    expect(store.cursorOf('example', 's')).toEqual({ stream: 's', seq: '2' });
  });

  it('compares sequences as numbers, not strings', () => {
    const [id] = store.create(
      [
        {
          owner,
          specification: spec,
          timeAllocationMs: null,
          chargePeriodMs: null,
          licenseIds: [],
        },
      ],
      1000,
    );
    store.applyProviderUpdates(
      'example',
      [update(id!, 'RUNNING')],
      { stream: 's', seq: '9' },
      2000,
    );
    expect(
      store.applyProviderUpdates(
        'example',
        [update(id!, 'SUCCESS')],
        { stream: 's', seq: '10' },
        3000,
      ).changed,
    ).toEqual([id]);
  });

  it("refuses updates from a provider for another provider's job", () => {
    const [id] = store.create(
      [
        {
          owner,
          specification: spec,
          timeAllocationMs: null,
          chargePeriodMs: null,
          licenseIds: [],
        },
      ],
      1000,
    );
    const result = store.applyProviderUpdates('other', [update(id!, 'RUNNING')], null, 2000);
    expect(result.changed).toEqual([]);
    expect(store.get(id!)!.state).toBe('IN_QUEUE');
  });

  it('sets expiresAt when the job first runs and clears it when it ends', () => {
    const [id] = store.create(
      [
        {
          owner,
          specification: spec,
          timeAllocationMs: 60_000,
          chargePeriodMs: null,
          licenseIds: [],
        },
      ],
      1000,
    );
    store.applyProviderUpdates('example', [update(id!, 'RUNNING')], null, 5000);
    expect(store.get(id!)).toMatchObject({ startedAt: 5000, expiresAt: 65_000 });
    store.applyProviderUpdates('example', [update(id!, 'SUCCESS')], null, 6000);
    expect(store.get(id!)).toMatchObject({ state: 'SUCCESS', expiresAt: null });
  });

  it('stamps updates with when they happened on the provider, never before the previous one nor after now', () => {
    const [id] = store.create(
      [
        {
          owner,
          specification: spec,
          timeAllocationMs: 60_000,
          chargePeriodMs: 1000,
          licenseIds: [],
        },
      ],
      1000,
    );
    // Provider clock behind: not before the job was created.
    store.applyProviderUpdates('example', [update(id!, 'RUNNING', 'x', 500)], null, 2000);
    expect(store.get(id!)).toMatchObject({ startedAt: 1000, expiresAt: 61_000 });
    // An end that happened at 3,500 but arrived at 60,000 (the plugin was down) ran 2,500 ms.
    store.applyProviderUpdates('example', [update(id!, 'SUCCESS', 'x', 3500)], null, 60_000);
    expect(store.get(id!)).toMatchObject({ runningMs: 2500, updatedAt: 3500 });
    expect(store.updatesOf(id!).map((u) => JSON.parse(u.update).timestamp)).toEqual([
      1000, 1000, 3500,
    ]);
    // Provider clock ahead: not after now.
    const [other] = store.create(
      [
        {
          owner,
          specification: spec,
          timeAllocationMs: null,
          chargePeriodMs: null,
          licenseIds: [],
        },
      ],
      1000,
    );
    store.applyProviderUpdates('example', [update(other!, 'RUNNING', 'x', 99_999)], null, 5000);
    expect(store.get(other!)).toMatchObject({ startedAt: 5000 });
  });

  it('keeps what an update sets (allowRestart, outputFolder) until a later one changes it', () => {
    const [id] = store.create(
      [
        {
          owner,
          specification: spec,
          timeAllocationMs: null,
          chargePeriodMs: null,
          licenseIds: [],
        },
      ],
      1000,
    );
    const running = update(id!, 'RUNNING') as { id: string; update: Record<string, unknown> };
    running.update.allowRestart = true;
    running.update.outputFolder = '/work/out';
    store.applyProviderUpdates('example', [running as never], null, 2000);
    expect(store.get(id!)).toMatchObject({ allowRestart: true, outputFolder: '/work/out' });
    store.applyProviderUpdates('example', [update(id!, null, 'still running')], null, 3000);
    expect(store.get(id!)).toMatchObject({ allowRestart: true, outputFolder: '/work/out' });
  });

  it('takes the provider’s id for a job from an update that carries one', () => {
    const [id] = store.create(
      [
        {
          owner,
          specification: spec,
          timeAllocationMs: null,
          chargePeriodMs: null,
          licenseIds: [],
        },
      ],
      1000,
    );
    expect(store.get(id!)!.providerGeneratedId).toBeNull();
    store.applyProviderUpdates(
      'example',
      [{ ...update(id!, 'RUNNING'), providerGeneratedId: '4711' }],
      null,
      2000,
    );
    expect(store.get(id!)!.providerGeneratedId).toBe('4711');
    store.applyProviderUpdates(
      'other',
      [{ ...update(id!, null), providerGeneratedId: 'x' }],
      null,
      3000,
    );
    expect(store.get(id!)!.providerGeneratedId).toBe('4711');
  });

  it('cancels locally a job whose start was never delivered', () => {
    const [id] = store.create(
      [
        {
          owner,
          specification: spec,
          timeAllocationMs: null,
          chargePeriodMs: null,
          licenseIds: [],
        },
      ],
      1000,
    );
    expect(store.requestTerminate(id!, 2000)).toBe('cancelled');
    expect(store.get(id!)!.state).toBe('SUCCESS');
    expect(store.dueOutbox(3000, 10)).toEqual([]);
  });

  it('queues a terminate after a delivered start, once', () => {
    const [id] = store.create(
      [
        {
          owner,
          specification: spec,
          timeAllocationMs: null,
          chargePeriodMs: null,
          licenseIds: [],
        },
      ],
      1000,
    );
    store.completeOutbox(store.dueOutbox(1000, 10).map((r) => r.id));
    expect(store.requestTerminate(id!, 2000)).toBe('queued');
    expect(store.requestTerminate(id!, 2001)).toBe('queued');
    expect(store.dueOutbox(3000, 10).map((r) => r.kind)).toEqual(['terminate']);
  });

  it('waits out the backoff of a provider that is down, without holding back another provider', () => {
    const other = JobSpecification.parse({
      ...spec,
      product: { id: 'other-compute', category: 'other-compute', provider: 'other' },
    });
    const job = (specification: JobSpecification) => ({
      owner,
      specification,
      timeAllocationMs: null,
      chargePeriodMs: null,
      licenseIds: [],
    });
    const ids = store.create(
      [job(spec), job(spec), job(spec), job(spec), job(other), job(spec)],
      1000,
    );
    const [a, b, c] = [ids.slice(0, 4), ids[4]!, ids[5]!];
    const rows = store.dueOutbox(1000, 10);
    expect(rows.map((r) => r.jobId)).toEqual(ids);

    // The calls for a failed: c, to the same provider, waits too, but is not counted as tried.
    store.retryOutbox(
      'example',
      rows.slice(0, 4).map((r) => r.id),
      'down',
      10_000,
    );
    // The rows waiting ahead of b do not hide it.
    expect(store.dueOutbox(2000, 1).map((r) => r.jobId)).toEqual([b]);
    const later = store.dueOutbox(10_000, 10);
    expect(later.map((r) => [r.jobId, r.attempts])).toEqual([
      ...a.map((id) => [id, 1]),
      [b, 0],
      [c, 0],
    ]);
    expect(store.dueOutbox(10_000, 10, ['example']).map((r) => r.jobId)).toEqual([b]);
  });

  it('fails a job whose start the provider refused', () => {
    const [id] = store.create(
      [
        {
          owner,
          specification: spec,
          timeAllocationMs: null,
          chargePeriodMs: null,
          licenseIds: [],
        },
      ],
      1000,
    );
    store.rejectOutbox(store.dueOutbox(1000, 1)[0]!, 'unknown product', false, 2000);
    expect(store.get(id!)!.state).toBe('FAILURE');
    expect(JSON.parse(store.updatesOf(id!).at(-1)!.update).status).toMatch(/unknown product/);
  });
});
