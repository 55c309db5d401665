import { JobSpecification } from '@ucloud/contracts';
import { beforeEach, describe, expect, it } from 'vitest';
import { DEMO_SPEC, newJob, openCore, type Core } from '../testing/core.js';

let core: Core;

beforeEach(() => {
  core = openCore();
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

describe('JobTransitions', () => {
  it('creates a job in IN_QUEUE with its first update and an outbox row', () => {
    const [id] = core.transitions.create([newJob()], 1000);
    const job = core.jobs.get(id!)!;
    expect(job.state).toBe('IN_QUEUE');
    expect(core.jobs.updatesOf(id!).map((u) => u.stateAfter)).toEqual(['IN_QUEUE']);
    expect(core.outbox.due(1000, 10).map((r) => [r.jobId, r.kind])).toEqual([[id, 'create']]);
  });

  it('applies a batch with a cursor once, and ignores it when resent', () => {
    const [id] = core.transitions.create([newJob()], 1000);
    const batch = [update(id!, 'RUNNING'), update(id!, null, 'still running')];
    expect(
      core.transitions.applyProviderUpdates('example', batch, { stream: 's', seq: '2' }, 2000)
        .changed,
    ).toEqual([id, id]);
    const resent = core.transitions.applyProviderUpdates(
      'example',
      batch,
      { stream: 's', seq: '2' },
      3000,
    );
    expect(resent.changed).toEqual([]);
    expect(core.jobs.updatesOf(id!)).toHaveLength(3);
    expect(core.jobs.cursorOf('example', 's')).toEqual({ stream: 's', seq: '2' });
  });

  it('compares sequences as numbers, not strings', () => {
    const [id] = core.transitions.create([newJob()], 1000);
    core.transitions.applyProviderUpdates(
      'example',
      [update(id!, 'RUNNING')],
      { stream: 's', seq: '9' },
      2000,
    );
    expect(
      core.transitions.applyProviderUpdates(
        'example',
        [update(id!, 'SUCCESS')],
        { stream: 's', seq: '10' },
        3000,
      ).changed,
    ).toEqual([id]);
  });

  it("refuses updates from a provider for another provider's job", () => {
    const [id] = core.transitions.create([newJob()], 1000);
    const result = core.transitions.applyProviderUpdates(
      'other',
      [update(id!, 'RUNNING')],
      null,
      2000,
    );
    expect(result.changed).toEqual([]);
    expect(core.jobs.get(id!)!.state).toBe('IN_QUEUE');
  });

  it('sets expiresAt when the job first runs and clears it when it ends', () => {
    const [id] = core.transitions.create([newJob({ timeAllocationMs: 60_000 })], 1000);
    core.transitions.applyProviderUpdates('example', [update(id!, 'RUNNING')], null, 5000);
    expect(core.jobs.get(id!)).toMatchObject({ startedAt: 5000, expiresAt: 65_000 });
    core.transitions.applyProviderUpdates('example', [update(id!, 'SUCCESS')], null, 6000);
    expect(core.jobs.get(id!)).toMatchObject({ state: 'SUCCESS', expiresAt: null });
  });

  it('stamps updates with when they happened on the provider, never before the previous one nor after now', () => {
    const [id] = core.transitions.create(
      [newJob({ timeAllocationMs: 60_000, chargePeriodMs: 1000 })],
      1000,
    );
    // Provider clock behind: not before the job was created.
    core.transitions.applyProviderUpdates(
      'example',
      [update(id!, 'RUNNING', 'x', 500)],
      null,
      2000,
    );
    expect(core.jobs.get(id!)).toMatchObject({ startedAt: 1000, expiresAt: 61_000 });
    // An end that happened at 3,500 but arrived at 60,000 (the plugin was down) ran 2,500 ms.
    core.transitions.applyProviderUpdates(
      'example',
      [update(id!, 'SUCCESS', 'x', 3500)],
      null,
      60_000,
    );
    expect(core.jobs.get(id!)).toMatchObject({ runningMs: 2500, updatedAt: 3500 });
    expect(core.jobs.updatesOf(id!).map((u) => JSON.parse(u.update).timestamp)).toEqual([
      1000, 1000, 3500,
    ]);
    // Provider clock ahead: not after now.
    const [other] = core.transitions.create([newJob()], 1000);
    core.transitions.applyProviderUpdates(
      'example',
      [update(other!, 'RUNNING', 'x', 99_999)],
      null,
      5000,
    );
    expect(core.jobs.get(other!)).toMatchObject({ startedAt: 5000 });
  });

  it('keeps what an update sets (allowRestart, outputFolder) until a later one changes it', () => {
    const [id] = core.transitions.create([newJob()], 1000);
    const running = update(id!, 'RUNNING') as { id: string; update: Record<string, unknown> };
    running.update.allowRestart = true;
    running.update.outputFolder = '/work/out';
    core.transitions.applyProviderUpdates('example', [running as never], null, 2000);
    expect(core.jobs.get(id!)).toMatchObject({ allowRestart: true, outputFolder: '/work/out' });
    core.transitions.applyProviderUpdates(
      'example',
      [update(id!, null, 'still running')],
      null,
      3000,
    );
    expect(core.jobs.get(id!)).toMatchObject({ allowRestart: true, outputFolder: '/work/out' });
  });

  it('takes the provider’s id for a job from an update that carries one', () => {
    const [id] = core.transitions.create([newJob()], 1000);
    expect(core.jobs.get(id!)!.providerGeneratedId).toBeNull();
    core.transitions.applyProviderUpdates(
      'example',
      [{ ...update(id!, 'RUNNING'), providerGeneratedId: '4711' }],
      null,
      2000,
    );
    expect(core.jobs.get(id!)!.providerGeneratedId).toBe('4711');
    core.transitions.applyProviderUpdates(
      'other',
      [{ ...update(id!, null), providerGeneratedId: 'x' }],
      null,
      3000,
    );
    expect(core.jobs.get(id!)!.providerGeneratedId).toBe('4711');
  });

  it('cancels locally a job whose start was never delivered', () => {
    const [id] = core.transitions.create([newJob()], 1000);
    expect(core.transitions.requestTerminate([id!], 2000)).toEqual(['cancelled']);
    expect(core.jobs.get(id!)!.state).toBe('SUCCESS');
    expect(core.outbox.due(3000, 10)).toEqual([]);
  });

  it('queues a terminate after a delivered start, once', () => {
    const [id] = core.transitions.create([newJob()], 1000);
    core.outbox.remove(core.outbox.due(1000, 10).map((r) => r.id));
    expect(core.transitions.requestTerminate([id!], 2000)).toEqual(['queued']);
    expect(core.transitions.requestTerminate([id!], 2001)).toEqual(['queued']);
    expect(core.outbox.due(3000, 10).map((r) => r.kind)).toEqual(['terminate']);
  });

  it('waits out the backoff of a provider that is down, without holding back another provider', () => {
    const other = JobSpecification.parse({
      ...DEMO_SPEC,
      product: { id: 'other-compute', category: 'other-compute', provider: 'other' },
    });
    const [here, there] = [newJob(), newJob({ specification: other })];
    const ids = core.transitions.create([here, here, here, here, there, here], 1000);
    const [a, b, c] = [ids.slice(0, 4), ids[4]!, ids[5]!];
    const rows = core.outbox.due(1000, 10);
    expect(rows.map((r) => r.jobId)).toEqual(ids);

    // The calls for a failed: c, to the same provider, waits too, but is not counted as tried.
    core.outbox.retry(
      'example',
      rows.slice(0, 4).map((r) => r.id),
      'down',
      10_000,
    );
    // The rows waiting ahead of b do not hide it.
    expect(core.outbox.due(2000, 1).map((r) => r.jobId)).toEqual([b]);
    const later = core.outbox.due(10_000, 10);
    expect(later.map((r) => [r.jobId, r.attempts])).toEqual([
      ...a.map((id) => [id, 1]),
      [b, 0],
      [c, 0],
    ]);
    expect(core.outbox.due(10_000, 10, ['example']).map((r) => r.jobId)).toEqual([b]);
  });

  it('fails a job whose start the provider refused', () => {
    const [id] = core.transitions.create([newJob()], 1000);
    core.transitions.refuseCall(core.outbox.due(1000, 1)[0]!, 'unknown product', false, 2000);
    expect(core.jobs.get(id!)!.state).toBe('FAILURE');
    expect(JSON.parse(core.jobs.updatesOf(id!).at(-1)!.update).status).toMatch(/unknown product/);
  });
});
