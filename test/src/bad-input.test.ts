import { beforeAll, describe, expect, it } from 'vitest';
import { acmeBatch, errorOf, EXAMPLE_PRODUCT, useStack, waitForJob } from './harness.js';

const stack = useStack({ extraUsers: ['alice:alice-token-123'] });
const client = stack.client();
let ownJob: string;

beforeAll(async () => {
  ownJob = (await client.jobs.create.mutate({ items: [acmeBatch('mine', 0)] })).responses[0]!.id;
});

async function jobCount(): Promise<number> {
  return (await client.jobs.browse.query({ itemsPerPage: 250 })).items.length;
}

describe('bad input', () => {
  const valid = () => acmeBatch('x', 0);

  it.each([
    ['a wrong type', { ...valid(), replicas: 'two' }, /items\[0\]\.replicas/],
    ['a missing field', { product: EXAMPLE_PRODUCT }, /items\[0\]\.application/],
    [
      'an unknown application',
      { ...valid(), application: { name: 'nope', version: '9' } },
      /items\[0\]\.application: unknown application nope@9/,
    ],
    [
      'an unknown product',
      { ...valid(), product: { ...EXAMPLE_PRODUCT, id: 'huge' } },
      /items\[0\]\.product: unknown product huge/,
    ],
    [
      'a parameter of the wrong type',
      { ...valid(), parameters: { value: { type: 'integer', value: 3 } } },
      /value/,
    ],
    [
      'an unknown parameter',
      { ...valid(), parameters: { ...valid().parameters, colour: { type: 'text', value: 'red' } } },
      /colour/,
    ],
    ['a missing required parameter', { ...valid(), parameters: {} }, /parameters\.value/],
    [
      'a time allocation of nothing',
      { ...valid(), timeAllocation: { hours: 0, minutes: 0, seconds: 0 } },
      /items\[0\]\.timeAllocation: must be longer than zero/,
    ],
    [
      'a time allocation of a quadrillion hours',
      { ...valid(), timeAllocation: { hours: 1e15, minutes: 0, seconds: 0 } },
      /items\[0\]\.timeAllocation: must be at most 87600 hours \(10 years\) in all/,
    ],
    [
      'a time allocation of 2^53 - 1 seconds',
      { ...valid(), timeAllocation: { hours: 0, minutes: 0, seconds: 2 ** 53 - 1 } },
      /items\[0\]\.timeAllocation: must be at most 87600 hours/,
    ],
    [
      'a time allocation beyond the integers a number holds exactly',
      { ...valid(), timeAllocation: { hours: 1e300, minutes: 0, seconds: 0 } },
      /items\[0\]\.timeAllocation\.hours: /,
    ],
    [
      'a public link, which no provider here offers',
      { ...valid(), resources: [{ type: 'ingress', id: 'ing-1' }] },
      /items\[0\]\.resources\[0\]: this deployment has no public links \(ingress\) to attach/,
    ],
  ])('refuses %s with a 400 naming the field, storing nothing', async (_what, item, message) => {
    const before = await jobCount();
    // The bad item comes second: the valid first one must not be stored either.
    const { status, body } = await stack.rest('POST', '/api/jobs', { items: [valid(), item] });
    expect(status).toBe(400);
    expect(body.errorCode).toBe('BAD_REQUEST');
    expect(body.why).toMatch(new RegExp(message.source.replace('items\\[0\\]', 'items\\[1\\]')));
    expect(await jobCount()).toBe(before);

    const error = await errorOf(client.jobs.create.mutate({ items: [item as never] }));
    expect(error.data?.code).toBe('BAD_REQUEST');
    expect(error.message).toMatch(message);
  });

  it.each([1e15, 2 ** 53 - 1, 2.7e12])(
    'refuses to extend by %d hours with a 400 naming the field',
    async (hours) => {
      const { status, body } = await stack.rest('POST', '/api/jobs/extend', {
        items: [{ jobId: '1', requestedTime: { hours, minutes: 0, seconds: 0 } }],
      });
      expect(status).toBe(400);
      expect(body.why).toMatch(/^items\[0\]\.requestedTime: must be at most 87600 hours/);
    },
  );

  it('refuses extensions that would take a job past 87600 hours in all, counting earlier items', async () => {
    const { responses } = await client.jobs.create.mutate({
      items: [
        acmeBatch('long', 600, { timeAllocation: { hours: 87_000, minutes: 0, seconds: 0 } }),
      ],
    });
    const jobId = responses[0]!.id;
    await waitForJob(client, jobId, (j) => j.status.state === 'RUNNING');
    const by = (hours: number) => ({ jobId, requestedTime: { hours, minutes: 0, seconds: 0 } });
    const error = await errorOf(client.jobs.extend.mutate({ items: [by(400), by(400)] }));
    expect(error.data?.httpStatus).toBe(400);
    expect(error.message).toBe(
      "items[1].requestedTime: the job's time allocation would exceed 87600 hours (10 years) in all",
    );
    await client.jobs.terminate.mutate({ items: [{ id: jobId }] });
  });

  it('answers a call to no route with a 404 in the spec error shape', async () => {
    const response = await stack.rest('DELETE', '/api/jobs/nothing-here?x=1');
    expect(response.status).toBe(404);
    expect(response.body).toEqual({
      why: 'No such call: DELETE /api/jobs/nothing-here?x=1',
      errorCode: 'NOT_FOUND',
    });
  });

  it.each([
    ['GET', `/api/jobs/browse?itemsPerPag=2`, undefined, /Unrecognized key: "itemsPerPag"/],
    ['GET', `/api/jobs/retrieve?id=1&includeUpdate=true`, undefined, /"includeUpdate"/],
    ['GET', `/api/jobs/follow?id=1&lastEventID=3`, undefined, /"lastEventID"/],
    [
      'POST',
      '/api/jobs',
      { items: [{ ...acmeBatch('x', 0), timeAlocation: { hours: 1, minutes: 0, seconds: 0 } }] },
      /items\[0\]: Unrecognized key: "timeAlocation"/,
    ],
    ['POST', '/api/jobs/terminate', { items: [{ id: '1' }], force: true }, /"force"/],
    [
      'POST',
      '/api/jobs/search',
      { query: 'x', flags: { filterAplication: 'a' } },
      /"filterAplication"/,
    ],
  ])(
    'refuses an unknown parameter (%s %s) with a 400 naming it',
    async (method, path, body, why) => {
      const before = await jobCount();
      const answer = await stack.rest(method, path, body);
      expect(answer.status).toBe(400);
      expect(answer.body.why).toMatch(why);
      expect(await jobCount()).toBe(before);
      const error = await errorOf(client.jobs.browse.query({ itemsPerPag: 2 } as never));
      expect(error.message).toMatch(/"itemsPerPag"/);
    },
  );

  it('tells no caller where the server keeps its files (no stack traces)', async () => {
    for (const token of [null, stack.userToken]) {
      const { status, text } = await stack.rest(
        'GET',
        `/trpc/jobs.retrieve?input=${encodeURIComponent('{"id":"nope"}')}`,
        undefined,
        { token },
      );
      expect(status).toBe(token ? 404 : 401);
      expect(text).not.toMatch(/stack|file:|\.js:\d+|node_modules/);
    }
  });

  it('refuses malformed JSON with a 400', async () => {
    const { status, body } = await stack.rest('POST', '/api/jobs', '{"items": [');
    expect(status).toBe(400);
    expect(body.why).toMatch(/not valid JSON/);
  });

  it('refuses an empty bulk request', async () => {
    const { status, body } = await stack.rest('POST', '/api/jobs', '{"items": []}');
    expect(status).toBe(400);
    expect(body.why).toMatch(/items/);
  });

  it('refuses calls without a valid token with 401', async () => {
    expect(
      (await stack.rest('GET', '/api/jobs/browse', undefined, { token: 'wrong' })).status,
    ).toBe(401);
  });

  it("answers 404 for another user's job, on every call, and leaves it alone", async () => {
    const alice = stack.client('alice-token-123');
    const e1 = await errorOf(alice.jobs.retrieve.query({ id: ownJob }));
    expect(e1.data?.code).toBe('NOT_FOUND');
    const e2 = await errorOf(alice.jobs.terminate.mutate({ items: [{ id: ownJob }] }));
    expect(e2.data?.code).toBe('NOT_FOUND');
    expect(
      (
        await stack.rest('GET', `/api/jobs/retrieve?id=${ownJob}`, undefined, {
          token: 'alice-token-123',
        })
      ).status,
    ).toBe(404);
    expect((await alice.jobs.browse.query({})).items).toHaveLength(0);
    expect((await alice.jobs.browse.query({ filterIds: ownJob })).items).toHaveLength(0);
    const job = await client.jobs.retrieve.query({ id: ownJob });
    expect(job.owner.createdBy).toBe('user');
    expect(job.updates.map((u) => u.status)).not.toContain('Your job has been cancelled!');
  });

  it('refuses a provider update from a user token', async () => {
    const { status } = await stack.rest('POST', '/api/jobs/control/update', {
      items: [{ id: ownJob, update: { state: 'FAILURE' } }],
    });
    expect(status).toBe(403);
  });
});
