import type { JobSpecificationInput } from '@ucloud/contracts';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createClient,
  EXAMPLE_PRODUCT,
  errorOf,
  followUntil,
  startTestStack,
  stdoutOf,
  waitForJob,
  type Client,
  type TestStack,
} from './harness.js';

const LICENSE_PRODUCT = { id: 'example-license', category: 'example-license', provider: 'example' };
const LOST = 'Your job has been terminated (Lost permissions)';

let stack: TestStack;
let user: Client;
let bob: Client;
let projectId: string;

const licensed = (license: string): JobSpecificationInput => ({
  application: { name: 'acme-licensed', version: '1.0.0' },
  product: EXAMPLE_PRODUCT,
  allowDuplicateJob: true,
  parameters: { license: { type: 'license_server', id: license } },
});

const activate = async (client: Client) =>
  (await client.licenses.create.mutate({ items: [{ product: LICENSE_PRODUCT }] })).responses[0]!.id;

beforeAll(async () => {
  stack = await startTestStack({ extraUsers: ['bob:bob-token-000001'] });
  user = stack.client();
  bob = stack.client('bob-token-000001');
  const admin = createClient(stack.url, stack.adminToken);
  projectId = (
    await admin.projects.create.mutate({ items: [{ title: 'Solvers', parent: null, pi: 'user' }] })
  ).responses[0]!.id;
  await user.projects.addMember.mutate({
    items: [{ project: projectId, username: 'bob', role: 'USER' }],
  });
  await admin.accounting.rootAllocate.mutate({
    items: [
      {
        owner: { type: 'project', projectId },
        category: { name: 'example-compute', provider: 'example' },
        quota: 1_000_000_000_000,
        startDate: Date.now() - 1000,
        endDate: Date.now() + 3600_000,
      },
    ],
  });
});

afterAll(async () => {
  await stack?.dispose();
});

describe('licenses', () => {
  it('runs a job with an activated license and ends it when the license is deactivated', async () => {
    const license = await activate(user);
    expect((await user.licenses.browse.query({})).items.map((l) => l.id)).toEqual([license]);
    const id = (await user.jobs.create.mutate({ items: [licensed(license)] })).responses[0]!.id;
    const events = await followUntil(user, id, {
      until: (e) => stdoutOf(e).includes('solving 1'),
    });
    expect(stdoutOf(events)).toContain(`acme-licensed: using license ${license}`);

    await user.licenses.delete.mutate({ items: [{ id: license }] });
    const job = await waitForJob(user, id, (j) => j.status.state === 'SUCCESS', 30_000);
    expect(job.updates.at(-1)?.status).toBe(LOST);
    // A deactivated license starts nothing new.
    const refused = await errorOf(user.jobs.create.mutate({ items: [licensed(license)] }));
    expect(refused.message).toBe(
      `items[0].parameters.license: no license with id "${license}" in this workspace`,
    );
  });

  it('keeps a personal license to its owner', async () => {
    const license = await activate(user);
    const e = await errorOf(bob.jobs.create.mutate({ items: [licensed(license)] }));
    expect([e.data?.code, e.message]).toEqual([
      'BAD_REQUEST',
      `items[0].parameters.license: no license with id "${license}" in this workspace`,
    ]);
    expect((await errorOf(bob.licenses.retrieve.query({ id: license }))).data?.code).toBe(
      'NOT_FOUND',
    );
    expect(
      (await errorOf(bob.licenses.delete.mutate({ items: [{ id: license }] }))).data?.code,
    ).toBe('NOT_FOUND');
  });

  it('ends a member’s job when they leave the project whose license it uses', async () => {
    const license = await activate(stack.client(undefined, projectId));
    const member = stack.client('bob-token-000001', projectId);
    const id = (await member.jobs.create.mutate({ items: [licensed(license)] })).responses[0]!.id;
    await waitForJob(member, id, (j) => j.status.state === 'RUNNING');
    await user.projects.deleteMember.mutate({ items: [{ project: projectId, username: 'bob' }] });
    const job = await waitForJob(user, id, (j) => j.status.state === 'SUCCESS', 30_000);
    expect(job.updates.at(-1)?.status).toBe(LOST);
  });

  it('activates and deactivates through REST', () => {
    const curl = (...args: string[]) =>
      JSON.parse(
        execFileSync('curl', ['-sS', '-H', `Authorization: Bearer ${stack.userToken}`, ...args], {
          encoding: 'utf8',
        }),
      ) as Record<string, unknown>;
    const products = curl(`${stack.url}/api/licenses/retrieveProducts`) as {
      items: Array<{ name: string; productType: string }>;
    };
    expect(products.items).toEqual([
      expect.objectContaining({ name: 'example-license', productType: 'LICENSE' }),
    ]);
    const created = curl(
      '-XPOST',
      `${stack.url}/api/licenses`,
      '-d',
      JSON.stringify({ items: [{ product: LICENSE_PRODUCT }] }),
    ) as { responses: Array<{ id: string }> };
    const id = created.responses[0]!.id;
    expect(curl(`${stack.url}/api/licenses/retrieve?id=${id}`)).toMatchObject({
      id,
      owner: { createdBy: 'user', project: null },
      status: { state: 'READY' },
    });
    expect(
      curl('-XDELETE', `${stack.url}/api/licenses`, '-d', JSON.stringify({ items: [{ id }] })),
    ).toEqual({ responses: [{}] });
    expect(curl(`${stack.url}/api/licenses/retrieve?id=${id}`)).toMatchObject({
      errorCode: 'NOT_FOUND',
    });
  });
});
