import type { JobSpecificationInput } from '@ucloud/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  curl as curlAs,
  EXAMPLE_PRODUCT,
  errorOf,
  followUntil,
  stdoutOf,
  useStack,
  waitForJob,
  type Client,
} from './harness.js';

const LICENSE_PRODUCT = { id: 'example-license', category: 'example-license', provider: 'example' };
const LOST = 'Your job has been terminated (Lost permissions)';

const stack = useStack({ extraUsers: ['bob:bob-token-000001'] });
const user = stack.client();
const bob = stack.client('bob-token-000001');
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
  projectId = (
    await stack.admin().projects.create.mutate({
      items: [{ title: 'Solvers', parent: null, pi: 'user' }],
    })
  ).responses[0]!.id;
  await user.projects.addMember.mutate({
    items: [{ project: projectId, username: 'bob', role: 'USER' }],
  });
  await stack.allocate({ projectId }, 1_000_000_000_000);
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

  it('activates and deactivates through REST', async () => {
    const curl = async (...args: string[]) => (await curlAs(stack.userToken, ...args)).body;
    const products = (await curl(`${stack.url}/api/licenses/retrieveProducts`)) as {
      items: Array<{ name: string; productType: string }>;
    };
    expect(products.items).toEqual([
      expect.objectContaining({ name: 'example-license', productType: 'LICENSE' }),
    ]);
    const created = (await curl(
      '-XPOST',
      `${stack.url}/api/licenses`,
      '-d',
      JSON.stringify({ items: [{ product: LICENSE_PRODUCT }] }),
    )) as { responses: Array<{ id: string }> };
    const id = created.responses[0]!.id;
    expect(await curl(`${stack.url}/api/licenses/retrieve?id=${id}`)).toMatchObject({
      id,
      owner: { createdBy: 'user', project: null },
      status: { state: 'READY' },
    });
    expect(
      await curl(
        '-XDELETE',
        `${stack.url}/api/licenses`,
        '-d',
        JSON.stringify({ items: [{ id }] }),
      ),
    ).toEqual({ responses: [{}] });
    expect(await curl(`${stack.url}/api/licenses/retrieve?id=${id}`)).toMatchObject({
      errorCode: 'NOT_FOUND',
    });
  });
});
