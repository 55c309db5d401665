import { describe, expect, it } from 'vitest';
import { acmeBatch, curl as curlAs, errorOf, useStack, waitForJob, webApp } from './harness.js';

/**
 * "Minutes" last a second here (ACCOUNTING_MINUTE_MS), so the per-minute example-compute category
 * charges every second; example-hourly charges every 60 s, so short jobs there owe exactly one period.
 */
const MINUTE_MS = 1000;
const PRICE = 1_000_000;
const COMPUTE = { name: 'example-compute', provider: 'example' };
const HOURLY = { id: 'example-hourly', category: 'example-hourly', provider: 'example' };
const TOKENS = { user: 'user-token-000001', curl: 'curl-token-000002', bulk: 'bulk-token-000003' };

const stack = useStack({
  demoToken: TOKENS.user,
  demoCredits: 0,
  extraUsers: [`curl:${TOKENS.curl}`, `bulk:${TOKENS.bulk}`, 'broke:broke-token-0004'],
  catalog: {
    products: [
      {
        ...HOURLY,
        fields: { unitOfPrice: 'CREDITS_PER_HOUR' },
        categoryFields: { accountingFrequency: 'PERIODIC_HOUR' },
      },
    ],
  },
  env: {
    orchestrator: { ACCOUNTING_MINUTE_MS: String(MINUTE_MS), ACCOUNTING_TICK_MS: '100' },
  },
});
const admin = stack.admin();
const user = stack.client();

describe('running out of compute credits (spec example)', () => {
  it('plays out through the typed client: the job is terminated when the wallet runs dry', async () => {
    // Enough for two and a half periods of one replica.
    const { responses } = await stack.allocate('user', 2.5 * PRICE);
    const before = await user.accounting.browseWallets.query({ includeChildren: false });
    expect(before).toEqual({
      itemsPerPage: 50,
      next: null,
      items: [
        {
          owner: { type: 'user', username: 'user' },
          paysFor: {
            name: 'example-compute',
            provider: 'example',
            productType: 'COMPUTE',
            accountingUnit: {
              name: 'DKK',
              namePlural: 'DKK',
              floatingPoint: true,
              displayFrequencySuffix: false,
            },
            accountingFrequency: 'PERIODIC_MINUTE',
            freeToUse: false,
            allowSubAllocations: true,
          },
          allocationGroups: [
            {
              parent: { projectId: null, projectTitle: 'Root', pi: 'user' },
              group: {
                id: expect.any(Number),
                allocations: [
                  {
                    id: responses[0]!.id,
                    startDate: expect.any(Number),
                    endDate: expect.any(Number),
                    quota: 2.5 * PRICE,
                    grantedIn: null,
                    retiredUsage: null,
                  },
                ],
                usage: 0,
              },
            },
          ],
          children: null,
          totalUsage: 0,
          localUsage: 0,
          maxUsable: 2.5 * PRICE,
          quota: 2.5 * PRICE,
          totalAllocated: 0,
          lastSignificantUpdateAt: expect.any(Number),
        },
      ],
    });

    const id = (
      await user.jobs.create.mutate({
        items: [webApp({ allowDuplicateJob: false, parameters: null })],
      })
    ).responses[0]!.id;
    const job = await waitForJob(user, id, (j) => j.status.state === 'SUCCESS', 30_000);
    expect(job.updates.map((u) => u.state)).toEqual(['IN_QUEUE', 'RUNNING', 'SUCCESS']);
    expect(job.updates.at(-1)?.status).toBe('Your job has been terminated (No more credits)');

    const usage = await user.accounting.retrieveJobUsage.query({ jobId: id });
    expect(usage).toMatchObject({ periodsCharged: 2, totalCharged: 2 * PRICE });
    const after = (await user.accounting.browseWallets.query({})).items[0]!;
    expect(after).toMatchObject({ localUsage: 2 * PRICE, totalUsage: 2 * PRICE });
    expect(after.maxUsable).toBe(0.5 * PRICE);

    // A wallet that cannot pay one period refuses the next job up front.
    const refused = await errorOf(user.jobs.create.mutate({ items: [acmeBatch('one more')] }));
    expect(refused.data?.httpStatus).toBe(402);
    expect(refused.message).toBe(
      'items[0].product: not enough credits in category example-compute of provider example (500000 usable, 1000000 needed)',
    );
  });

  it('plays out through the spec’s curl commands', async () => {
    await stack.allocate('curl', 2.5 * PRICE);
    const curl = async (...args: string[]) => (await curlAs(TOKENS.curl, ...args)).body;
    const wallets = (await curl(
      '-XGET',
      `${stack.url}/api/accounting/v2/browseWallets?includeChildren=false`,
    )) as { items: Array<Record<string, unknown>> };
    expect(wallets.items[0]).toMatchObject({
      owner: { type: 'user', username: 'curl' },
      paysFor: { name: 'example-compute', accountingFrequency: 'PERIODIC_MINUTE' },
      allocationGroups: [{ parent: { projectId: null, projectTitle: 'Root', pi: 'curl' } }],
      maxUsable: 2.5 * PRICE,
    });
    const created = (await curl(
      '-XPOST',
      '-H',
      'Content-Type: content-type: application/json; charset=utf-8',
      `${stack.url}/api/jobs`,
      '-d',
      `{
"items": [
{
"application": {
"name": "acme-web-application",
"version": "1.0.0"
},
"product": {
"id": "example-compute",
"category": "example-compute",
"provider": "example"
},
"name": null,
"replicas": 1,
"allowDuplicateJob": false,
"parameters": null,
"resources": null,
"timeAllocation": null,
"openedFile": null,
"restartOnExit": null,
"sshEnabled": null
}
]
}`,
    )) as { responses: Array<{ id: string }> };
    const id = created.responses[0]!.id;
    await waitForJob(stack.client(TOKENS.curl), id, (j) => j.status.state === 'SUCCESS', 30_000);
    const job = (await curl(
      '-XGET',
      `${stack.url}/api/jobs/retrieve?includeProduct=false&includeOthers=false&includeUpdates=false&includeSupport=false&id=${id}`,
    )) as { updates: Array<{ state: string; status: string }>; status: { state: string } };
    expect(job.status.state).toBe('SUCCESS');
    expect(job.updates.map((u) => u.state)).toEqual(['IN_QUEUE', 'RUNNING', 'SUCCESS']);
    expect(job.updates[2]!.status).toBe('Your job has been terminated (No more credits)');
    expect(await curl(`${stack.url}/api/accounting/v2/jobUsage?jobId=${id}`)).toMatchObject({
      periodsCharged: 2,
      totalCharged: 2 * PRICE,
    });
  });
});

describe('allocations', () => {
  it('pays only from allocations active now: expired and future ones do not count', async () => {
    const now = Date.now();
    await stack.allocate('broke', 100 * PRICE, {
      startDate: now - 7200_000,
      endDate: now - 3600_000,
    });
    await stack.allocate('broke', 100 * PRICE, {
      startDate: now + 3600_000,
      endDate: now + 7200_000,
    });
    const broke = stack.client('broke-token-0004');
    const wallet = (await broke.accounting.browseWallets.query({})).items[0]!;
    expect(wallet).toMatchObject({ maxUsable: 0, quota: 0 });
    expect(wallet.allocationGroups[0]!.group.allocations).toHaveLength(2);
    const refused = await errorOf(broke.jobs.create.mutate({ items: [acmeBatch('x')] }));
    expect(refused.data?.httpStatus).toBe(402);

    // Enough for one job's first period, not two: the second item of one request is refused.
    await stack.allocate('broke', 1.5 * PRICE);
    const both = await errorOf(
      broke.jobs.create.mutate({ items: [acmeBatch('a'), acmeBatch('b')] }),
    );
    expect(both.message).toBe(
      'items[1].product: not enough credits in category example-compute of provider example (1500000 usable, 2000000 needed)',
    );
    expect((await broke.jobs.browse.query({})).items).toHaveLength(0);
  });

  it('lets only administrators allocate from the root', async () => {
    const e = await errorOf(
      user.accounting.rootAllocate.mutate({
        items: [
          {
            owner: { type: 'user', username: 'user' },
            category: COMPUTE,
            quota: 1,
            startDate: 0,
            endDate: Date.now() + 1000,
          },
        ],
      }),
    );
    expect(e.data?.code).toBe('FORBIDDEN');
    const bad = await errorOf(
      admin.accounting.rootAllocate.mutate({
        items: [
          {
            owner: { type: 'user', username: 'user' },
            category: { name: 'gpu', provider: 'example' },
            quota: 1,
            startDate: 0,
            endDate: 1,
          },
        ],
      }),
    );
    expect(bad.message).toBe('items[0].category: no product category gpu of provider example');
  });

  it('does not charge a suspended job', async () => {
    await stack.allocate('user', 100 * PRICE);
    const id = (await user.jobs.create.mutate({ items: [webApp()] })).responses[0]!.id;
    await waitForJob(user, id, (j) => j.status.state === 'RUNNING');
    await user.jobs.suspend.mutate({ items: [{ id }] });
    await waitForJob(user, id, (j) => j.status.state === 'SUSPENDED');
    const atSuspend = (await user.accounting.retrieveJobUsage.query({ jobId: id })).periodsCharged;
    await new Promise((r) => setTimeout(r, 3 * MINUTE_MS));
    expect((await user.accounting.retrieveJobUsage.query({ jobId: id })).periodsCharged).toBe(
      atSuspend,
    );
    await user.jobs.unsuspend.mutate({ items: [{ id }] });
    await waitForJob(user, id, (j) => j.status.state === 'RUNNING');
    await new Promise((r) => setTimeout(r, 1.5 * MINUTE_MS));
    expect(
      (await user.accounting.retrieveJobUsage.query({ jobId: id })).periodsCharged,
    ).toBeGreaterThan(atSuspend);
    await user.jobs.terminate.mutate({ items: [{ id }] });
  });
});

describe('project sub-allocations', () => {
  it('passes quota down to a sub-project, whose usage counts in the parent’s wallet', async () => {
    const [root] = (
      await admin.projects.create.mutate({
        items: [{ title: 'Climate', parent: null, pi: 'curl' }],
      })
    ).responses;
    const pi = stack.client(TOKENS.curl);
    const [sub] = (
      await pi.projects.create.mutate({ items: [{ title: 'Ocean', parent: root!.id, pi: null }] })
    ).responses;
    await admin.accounting.rootAllocate.mutate({
      items: [
        {
          owner: { type: 'project', projectId: root!.id },
          category: COMPUTE,
          quota: 10 * PRICE,
          startDate: Date.now() - 1000,
          endDate: Date.now() + 3600_000,
        },
      ],
    });
    const subAllocation = {
      parentProject: root!.id,
      owner: { type: 'project' as const, projectId: sub!.id },
      category: COMPUTE,
      quota: 3 * PRICE,
      startDate: Date.now() - 1000,
      endDate: Date.now() + 3600_000,
    };
    const outsider = await errorOf(
      stack.client(TOKENS.bulk).accounting.subAllocate.mutate({ items: [subAllocation] }),
    );
    expect(outsider.data?.code).toBe('NOT_FOUND');
    const [given] = (await pi.accounting.subAllocate.mutate({ items: [subAllocation] })).responses;

    const inSub = stack.client(TOKENS.curl, sub!.id);
    const id = (await inSub.jobs.create.mutate({ items: [webApp()] })).responses[0]!.id;
    await waitForJob(inSub, id, (j) => j.status.state === 'RUNNING');
    await new Promise((r) => setTimeout(r, 1.5 * MINUTE_MS));
    await inSub.jobs.terminate.mutate({ items: [{ id }] });
    await waitForJob(inSub, id, (j) => j.status.state === 'SUCCESS');
    const used = (await inSub.accounting.retrieveJobUsage.query({ jobId: id })).totalCharged;
    expect(used).toBeGreaterThanOrEqual(2 * PRICE);

    const subWallet = (await inSub.accounting.browseWallets.query({})).items[0]!;
    expect(subWallet).toMatchObject({ localUsage: used, totalUsage: used, quota: 3 * PRICE });
    expect(subWallet.maxUsable).toBe(3 * PRICE - used);
    expect(subWallet.allocationGroups[0]!.parent).toEqual({
      projectId: root!.id,
      projectTitle: 'Climate',
      pi: 'curl',
    });
    const rootWallet = (
      await stack.client(TOKENS.curl, root!.id).accounting.browseWallets.query({
        includeChildren: true,
      })
    ).items[0]!;
    expect(rootWallet).toMatchObject({
      localUsage: 0,
      totalUsage: used,
      totalAllocated: 3 * PRICE,
      maxUsable: 10 * PRICE - used,
    });
    expect(rootWallet.children).toEqual([
      {
        child: { projectId: sub!.id, projectTitle: 'Ocean', pi: 'curl' },
        group: expect.objectContaining({ usage: used }),
      },
    ]);

    // The parent's PI changes what was given; the sub-project sees it at once.
    await pi.accounting.updateAllocation.mutate({ items: [{ id: given!.id, quota: 5 * PRICE }] });
    expect((await inSub.accounting.browseWallets.query({})).items[0]!.maxUsable).toBe(
      5 * PRICE - used,
    );
  });
});

describe('charging across restarts', () => {
  it('charges 50 jobs from one wallet exactly once per period while the orchestrator and gateway restart', async () => {
    const quota = 1000 * PRICE;
    await stack.allocate('bulk', quota, {
      category: { name: HOURLY.category, provider: HOURLY.provider },
    });
    const bulk = stack.client(TOKENS.bulk);
    const spec = (i: number) =>
      acmeBatch(`bulk ${i}`, 1, { product: HOURLY, replicas: i % 5 === 0 ? 2 : 1 });
    const create = async (from: number, to: number) =>
      (
        await bulk.jobs.create.mutate({
          items: Array.from({ length: to - from }, (_, k) => spec(from + k)),
        })
      ).responses.map((r) => r.id);

    const ids = await create(0, 25);
    await stack.kill('orchestrator', 'SIGKILL');
    await stack.start('orchestrator');
    ids.push(...(await create(25, 50)));
    await stack.kill('gateway', 'SIGKILL');
    await stack.start('gateway');
    await stack.kill('orchestrator', 'SIGKILL');
    await stack.start('orchestrator');
    for (const id of ids) await waitForJob(bulk, id, (j) => j.status.state === 'SUCCESS', 60_000);

    // Each job ran about a second of a 60-second period: one period, replicas × price.
    const expected = Array.from({ length: 50 }, (_, i) => (i % 5 === 0 ? 2 : 1) * PRICE).reduce(
      (a, b) => a + b,
    );
    const usages = await Promise.all(
      ids.map((jobId) => bulk.accounting.retrieveJobUsage.query({ jobId })),
    );
    expect(usages.map((u) => u.periodsCharged)).toEqual(ids.map(() => 1));
    expect(usages.reduce((sum, u) => sum + u.totalCharged, 0)).toBe(expected);
    const wallet = (await bulk.accounting.browseWallets.query({})).items[0]!;
    expect(wallet).toMatchObject({
      localUsage: expected,
      totalUsage: expected,
      maxUsable: quota - expected,
    });
  });
});
