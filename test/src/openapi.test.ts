import { Validator } from '@seriousme/openapi-schema-validator';
import { EventSource } from 'eventsource';
import createClient from 'openapi-fetch';
import { describe, expect, it } from 'vitest';
import type { components, paths } from './generated/openapi.js';
import { EXAMPLE_PRODUCT, useStack } from './harness.js';

/**
 * The REST face as a stranger meets it: the OpenAPI document served at /api/openapi.json is
 * valid, and a client generated from it (openapi-typescript types, openapi-fetch) runs jobs.
 */

type Schemas = components['schemas'];
type JobSpecification = Schemas['JobsCreateRequest']['items'][number];

const stack = useStack();

const client = () =>
  createClient<paths>({
    baseUrl: stack.url,
    headers: { authorization: `Bearer ${stack.userToken}` },
  });

const batch = (value: string): JobSpecification => ({
  application: { name: 'acme-batch', version: '1.0.0' },
  product: EXAMPLE_PRODUCT,
  allowDuplicateJob: true,
  parameters: {
    debug: { type: 'boolean', value: false },
    value: { type: 'text', value },
    steps: { type: 'integer', value: 2 },
  },
});

async function createJob(spec: JobSpecification): Promise<string> {
  const { data, error } = await client().POST('/api/jobs', { body: { items: [spec] } });
  expect(error).toBeUndefined();
  return data!.responses[0]!.id;
}

const follow: keyof paths = '/api/jobs/follow';

/** Follows a job over Server-Sent Events until `done` says stop, returning each event's data. */
function followEvents(
  id: string,
  done: (events: Schemas['JobsFollowResponse'][]) => boolean,
): Promise<Schemas['JobsFollowResponse'][]> {
  const events: Schemas['JobsFollowResponse'][] = [];
  const source = new EventSource(`${stack.url}${follow}?id=${encodeURIComponent(id)}`, {
    fetch: (input, init) =>
      fetch(input, {
        ...init,
        headers: { ...init.headers, authorization: `Bearer ${stack.userToken}` },
      }),
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`follow of ${id} timed out`)), 60_000);
    const finish = (failure?: Error) => {
      clearTimeout(timer);
      source.close();
      if (failure) reject(failure);
      else resolve(events);
    };
    source.onmessage = (message) => {
      events.push(JSON.parse(message.data) as Schemas['JobsFollowResponse']);
      if (done(events)) finish();
    };
    // The server's own `event: error` (a CommonErrorMessage) and a failed connection alike.
    source.addEventListener('error', (e) =>
      finish(new Error(`follow of ${id} failed: ${String('data' in e ? e.data : e.message)}`)),
    );
  });
}

const stdoutOf = (events: Schemas['JobsFollowResponse'][]) =>
  events.flatMap((e) => e.log.map((l) => l.stdout ?? '')).join('');
const statesOf = (events: Schemas['JobsFollowResponse'][]) =>
  events.flatMap((e) => e.updates.map((u) => u.state));

describe('the OpenAPI document', () => {
  it('is served without a token and is a valid OpenAPI 3.1 document', async () => {
    const answer = await fetch(`${stack.url}/api/openapi.json`);
    expect(answer.status).toBe(200);
    const document = (await answer.json()) as { openapi: string; paths: object };
    const validator = new Validator();
    const result = await validator.validate(document);
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 1)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(document.paths).toHaveProperty(['/api/jobs/follow', 'get']);
  });

  it('generates a client that creates, follows and retrieves a job', async () => {
    const id = await createJob(batch('from OpenAPI'));

    const events = await followEvents(id, (all) => statesOf(all).at(-1) === 'SUCCESS');
    expect(stdoutOf(events)).toBe(
      'acme-batch: value=from OpenAPI debug=false\nstep 1 of 2\nstep 2 of 2\ndone\n',
    );
    expect(statesOf(events)).toEqual(['IN_QUEUE', 'RUNNING', 'SUCCESS']);

    const { data: job } = await client().GET('/api/jobs/retrieve', {
      params: { query: { id, includeUpdates: true } },
    });
    expect(job!.status.state).toBe('SUCCESS');
    expect(job!.specification.application).toEqual({ name: 'acme-batch', version: '1.0.0' });
    expect(job!.updates.map((u) => u.state)).toEqual(['IN_QUEUE', 'RUNNING', 'SUCCESS']);
  });

  it('terminates a running job through the generated client', async () => {
    const id = await createJob({
      application: { name: 'acme-web-application', version: '1.0.0' },
      product: EXAMPLE_PRODUCT,
      allowDuplicateJob: true,
    });
    await followEvents(id, (all) => stdoutOf(all).includes('heartbeat 1'));

    const { data, error } = await client().POST('/api/jobs/terminate', {
      body: { items: [{ id }] },
    });
    expect(error).toBeUndefined();
    expect(data!.responses).toEqual([{}]);

    const ended = await followEvents(id, (all) => statesOf(all).at(-1) === 'SUCCESS');
    expect(ended.flatMap((e) => e.updates).at(-1)).toMatchObject({
      state: 'SUCCESS',
      status: 'Your job has been cancelled!',
    });
  });

  it("answers the spec's error shape where the document says", async () => {
    const { data, error, response } = await client().GET('/api/jobs/retrieve', {
      params: { query: { id: 'no-such-job' } },
    });
    expect(data).toBeUndefined();
    expect(response.status).toBe(404);
    expect(error).toMatchObject({ errorCode: 'NOT_FOUND', why: expect.any(String) });

    // The generated types refuse a misspelled field before the server does.
    const body: Schemas['JobsCreateRequest'] = {
      items: [
        {
          application: { name: 'acme-batch', version: '1.0.0' },
          product: EXAMPLE_PRODUCT,
          // @ts-expect-error: the document names it timeAllocation
          timeAlocation: { hours: 1, minutes: 0, seconds: 0 },
        },
      ],
    };
    const refused = await client().POST('/api/jobs', { body });
    expect(refused.response.status).toBe(400);
    expect(refused.error?.why).toContain('timeAlocation');
  });
});
