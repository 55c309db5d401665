import { describe, expect, it } from 'vitest';
import {
  acmeBatch,
  errorOf,
  followUntil,
  stdoutOf,
  useStack,
  waitForJob,
  webApp,
} from './harness.js';

const stack = useStack();
const client = stack.client();

const count = async () => (await client.jobs.browse.query({ itemsPerPage: 250 })).items.length;

describe('duplicate jobs', () => {
  it('refuses a job identical to an active one with 409, unless allowDuplicateJob is set', async () => {
    const spec = webApp({ allowDuplicateJob: false, name: 'first' });
    const first = (await client.jobs.create.mutate({ items: [spec] })).responses[0]!.id;
    const before = await count();

    const error = await errorOf(
      client.jobs.create.mutate({ items: [{ ...spec, name: 'second' }] }),
    );
    expect(error.data?.code).toBe('CONFLICT');
    expect(error.data?.httpStatus).toBe(409);
    expect(error.message).toBe(
      `items[0]: identical to active job ${first}; set allowDuplicateJob to start it anyway`,
    );
    expect(await count()).toBe(before);

    const allowed = await client.jobs.create.mutate({
      items: [{ ...spec, allowDuplicateJob: true }],
    });
    await client.jobs.terminate.mutate({
      items: [{ id: first }, { id: allowed.responses[0]!.id }],
    });
    await waitForJob(client, first, (j) => j.status.state === 'SUCCESS');
    // Once the first has ended, the same configuration may run again.
    const again = (await client.jobs.create.mutate({ items: [spec] })).responses[0]!.id;
    await client.jobs.terminate.mutate({ items: [{ id: again }] });
  });

  it('refuses two identical items in one request, storing neither', async () => {
    const before = await count();
    const spec = acmeBatch('twice', 0, { allowDuplicateJob: null });
    const error = await errorOf(client.jobs.create.mutate({ items: [spec, spec] }));
    expect(error.message).toMatch(/^items\[1\]: identical to an earlier item of this request/);
    expect(await count()).toBe(before);
  });
});

describe('idempotent create', () => {
  it('answers a retried request with the jobs of the first one', async () => {
    const request = { items: [acmeBatch('once', 0)], idempotencyKey: 'retry-me-1' };
    const first = await client.jobs.create.mutate(request);
    const before = await count();
    expect(await client.jobs.create.mutate(request)).toEqual(first);
    expect(await count()).toBe(before);
  });

  it('takes the key from an Idempotency-Key header on the REST route', async () => {
    const post = async () =>
      (
        await stack.rest(
          'POST',
          '/api/jobs',
          { items: [acmeBatch('rest once', 0)] },
          { headers: { 'idempotency-key': 'rest-key-1' } },
        )
      ).body;
    const first = await post();
    expect(await post()).toEqual(first);
  });

  it('refuses a key reused for a different request with 409', async () => {
    await client.jobs.create.mutate({ items: [acmeBatch('a', 0)], idempotencyKey: 'reused' });
    const error = await errorOf(
      client.jobs.create.mutate({ items: [acmeBatch('b', 0)], idempotencyKey: 'reused' }),
    );
    expect(error.data?.code).toBe('CONFLICT');
    expect(error.message).toMatch(/idempotencyKey: already used for a different request/);
  });
});

describe('the rest of the specification', () => {
  it('passes openedFile to the job as UCLOUD_OPEN_WITH_FILE', async () => {
    const { responses } = await client.jobs.create.mutate({
      items: [acmeBatch('open', 0, { openedFile: '/home/user/data.csv' })],
    });
    const events = await followUntil(client, responses[0]!.id);
    expect(stdoutOf(events)).toContain('opened file: /home/user/data.csv\n');
  });

  it('rejects restartOnExit, which no provider offers yet', async () => {
    const error = await errorOf(
      client.jobs.create.mutate({ items: [acmeBatch('again', 0, { restartOnExit: true })] }),
    );
    expect(error.data?.code).toBe('BAD_REQUEST');
    expect(error.message).toMatch(
      /^items\[0\]\.restartOnExit: provider example does not restart jobs on exit/,
    );
  });
});
