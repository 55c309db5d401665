import { beforeAll, describe, expect, it } from 'vitest';
import { acmeBatch, useStack, type Client } from './harness.js';

type Page = Awaited<ReturnType<Client['jobs']['browse']['query']>>;
type Job = Page['items'][number];

const stack = useStack();
const client = stack.client();
let batchIds: string[];
let otherIds: string[];

beforeAll(async () => {
  // 200 acme-batch jobs and 50 a-batch-application jobs, all real processes.
  const batch = await client.jobs.create.mutate({
    items: Array.from({ length: 200 }, (_, i) => acmeBatch(`job ${i}`, 0)),
  });
  const other = await client.jobs.create.mutate({
    items: Array.from({ length: 50 }, (_, i) => ({
      application: { name: 'a-batch-application', version: '1.0.0' },
      product: { id: 'example-compute', category: 'example-compute', provider: 'example' },
      allowDuplicateJob: true,
      name: `other ${i}`,
      parameters: { var: { type: 'text' as const, value: String(i) } },
    })),
  });
  batchIds = batch.responses.map((r) => r.id);
  otherIds = other.responses.map((r) => r.id);
}, 180_000);

async function browseAll(flags: Parameters<Client['jobs']['browse']['query']>[0]): Promise<Job[]> {
  const all: Job[] = [];
  let next: string | null = null;
  do {
    const page: { items: Job[]; next: string | null; itemsPerPage: number } =
      await client.jobs.browse.query({ ...flags, next });
    expect(page.items.length).toBeLessThanOrEqual(page.itemsPerPage);
    all.push(...page.items);
    next = page.next;
  } while (next !== null);
  return all;
}

describe('browsing 250 jobs', () => {
  it('pages through every job once, newest first', async () => {
    const all = await browseAll({ itemsPerPage: 40 });
    expect(all).toHaveLength(250);
    const ids = all.map((j) => Number(j.id));
    expect(new Set(ids).size).toBe(250);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    // Without includeUpdates only the latest update comes along; there is always one.
    expect(all.every((j) => j.updates.length === 1 && j.updates[0]!.state === j.status.state)).toBe(
      true,
    );
  });

  it('filters by application, ids, product and creation time', async () => {
    expect(
      (await browseAll({ itemsPerPage: 100, filterApplication: 'a-batch-application' }))
        .map((j) => j.id)
        .sort(),
    ).toEqual([...otherIds].sort());
    const some = batchIds.slice(10, 15);
    expect((await browseAll({ filterIds: some.join(',') })).map((j) => j.id).sort()).toEqual(
      [...some].sort(),
    );
    expect(await browseAll({ hideProductId: 'example-compute' })).toHaveLength(0);
    expect(await browseAll({ filterProvider: 'elsewhere' })).toHaveLength(0);
    expect(
      await browseAll({ filterProductCategory: 'example-compute', itemsPerPage: 250 }),
    ).toHaveLength(250);
    const first = await client.jobs.retrieve.query({ id: otherIds[0]! });
    const later = await browseAll({
      filterCreatedAfter: first.createdAt,
      filterApplication: 'a-batch-application',
    });
    expect(later).toHaveLength(50);
    expect(await browseAll({ filterCreatedBefore: 0 })).toHaveLength(0);
  });

  it('filters by state once the jobs have run', async () => {
    const deadline = Date.now() + 150_000;
    const succeeded = async () =>
      (await browseAll({ filterState: 'SUCCESS', itemsPerPage: 250 })).length;
    let done = await succeeded();
    while (done < 250 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      done = await succeeded();
    }
    expect(done).toBe(250);
    expect(await browseAll({ filterState: 'RUNNING' })).toHaveLength(0);
    expect(await browseAll({ filterState: 'IN_QUEUE' })).toHaveLength(0);
  });

  it('searches by name, application and id', async () => {
    const search = (query: string) => client.jobs.search.query({ query, itemsPerPage: 250 });
    expect((await search('other 4')).items.map((j) => j.specification.name).sort()).toEqual(
      ['other 4', ...Array.from({ length: 10 }, (_, i) => `other 4${i}`)].sort(),
    );
    expect((await search('A-BATCH')).items).toHaveLength(50);
    expect((await search(batchIds[150]!)).items.map((j) => j.id)).toEqual([batchIds[150]]);
    expect((await search('no such thing')).items).toHaveLength(0);
  });

  it('skips itemsToSkip jobs after the cursor, over REST and tRPC, in browse and search', async () => {
    const ids = batchIds.slice(20, 27); // ascending
    const rest = async (path: string, body?: unknown) => {
      const answer = await stack.rest<{ items: Job[]; next: string | null }>(
        body === undefined ? 'GET' : 'POST',
        path,
        body,
      );
      expect(answer.status).toBe(200);
      return answer.body;
    };
    const idsOf = (page: { items: Job[] }) => page.items.map((j) => j.id);

    const page = await rest(
      `/api/jobs/browse?filterIds=${ids.join(',')}&itemsPerPage=2&itemsToSkip=2&sortDirection=ascending`,
    );
    expect(idsOf(page)).toEqual(ids.slice(2, 4));
    // The cursor goes on after the page; itemsToSkip skips again from there.
    const next = await client.jobs.browse.query({
      filterIds: ids.join(','),
      itemsPerPage: 2,
      itemsToSkip: 1,
      sortDirection: 'ascending',
      next: page.next,
    });
    expect(idsOf(next)).toEqual(ids.slice(5, 7));
    expect(next.next).toBeNull();
    // Newest first (the default) skips the newest.
    const newest = await client.jobs.browse.query({ filterIds: ids.join(','), itemsToSkip: 3 });
    expect(idsOf(newest)).toEqual(ids.slice(0, 4).reverse());
    expect(
      (await client.jobs.browse.query({ filterIds: ids.join(','), itemsToSkip: 7 })).items,
    ).toEqual([]);

    const search = await rest('/api/jobs/search', {
      query: 'acme-batch',
      flags: { filterIds: ids.join(',') },
      itemsPerPage: 3,
      itemsToSkip: 4,
      sortDirection: 'ascending',
    });
    expect(idsOf(search)).toEqual(ids.slice(4, 7));
  });

  it('honours the include flags', async () => {
    const [job] = (
      await client.jobs.browse.query({
        itemsPerPage: 1,
        includeParameters: true,
        includeApplication: true,
        includeProduct: true,
        includeUpdates: true,
      })
    ).items;
    expect(job!.specification.parameters).not.toBeNull();
    expect(job!.status.resolvedApplication?.metadata.name).toBe('a-batch-application');
    expect(job!.status.resolvedProduct?.name).toBe('example-compute');
    expect(job!.updates.map((u) => u.state)).toEqual(['IN_QUEUE', 'RUNNING', 'SUCCESS']);
    const [plain] = (await client.jobs.browse.query({ itemsPerPage: 1 })).items;
    expect(plain!.specification.parameters).toBeNull();
    expect(plain!.status.resolvedApplication).toBeNull();
  });
});
