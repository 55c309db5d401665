import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApiError } from './errors.js';
import {
  errorHandlers,
  type FailedRequest,
  malformedRequestAnswer,
  noSuchCall,
  relayedErrorCode,
  statusErrorCode,
  toHttpError,
} from './http-errors.js';

/** An error shaped like Fastify's own (FST_ERR_CTP_BODY_TOO_LARGE and the like). */
const frameworkError = (statusCode: number, message: string, code = 'FST_ERR_SOMETHING') =>
  Object.assign(new Error(message), { statusCode, code });

const zodError = () => {
  const parsed = z.object({ items: z.array(z.string()) }).safeParse({ items: [1] });
  if (parsed.success) throw new Error('expected a zod error');
  return parsed.error;
};

describe('toHttpError', () => {
  it('tells a typed error with its status and code', () => {
    expect(toHttpError(new ApiError('CONFLICT', 'job 1 has ended'))).toEqual({
      status: 409,
      body: { why: 'job 1 has ended', errorCode: 'CONFLICT' },
    });
    const wrapped = new TRPCError({
      code: 'INTERNAL_SERVER_ERROR',
      cause: new ApiError('NOT_FOUND', 'no job 7'),
    });
    expect(toHttpError(wrapped)).toEqual({
      status: 404,
      body: { why: 'no job 7', errorCode: 'NOT_FOUND' },
    });
  });

  it('names the field of invalid input, also inside a tRPC error', () => {
    const expected = {
      status: 400,
      body: {
        why: 'items[0]: Invalid input: expected string, received number',
        errorCode: 'BAD_REQUEST',
      },
    };
    expect(toHttpError(zodError())).toEqual(expected);
    expect(toHttpError(new TRPCError({ code: 'BAD_REQUEST', cause: zodError() }))).toEqual(
      expected,
    );
  });

  it('passes tRPC refusals on with their status and code', () => {
    expect(toHttpError(new TRPCError({ code: 'NOT_FOUND', message: 'No procedure x' }))).toEqual({
      status: 404,
      body: { why: 'No procedure x', errorCode: 'NOT_FOUND' },
    });
  });

  it('names a web framework’s 4xx by its status', () => {
    expect(toHttpError(frameworkError(413, 'Request body is too large'))).toEqual({
      status: 413,
      body: { why: 'Request body is too large', errorCode: 'PAYLOAD_TOO_LARGE' },
    });
    expect(toHttpError(frameworkError(401, 'no'))).toMatchObject({
      body: { errorCode: 'UNAUTHORIZED' },
    });
    expect(toHttpError(frameworkError(406, 'Not acceptable'))).toEqual({
      status: 406,
      body: { why: 'Not acceptable', errorCode: 'BAD_REQUEST' },
    });
  });

  it('answers anything else with a 500 that tells nothing', () => {
    const internal = {
      status: 500,
      body: { why: 'Internal server error', errorCode: 'INTERNAL_SERVER_ERROR' },
    };
    expect(toHttpError(new Error('SQLITE_CORRUPT: /srv/db is malformed'))).toEqual(internal);
    expect(toHttpError('a string')).toEqual(internal);
    expect(toHttpError(null)).toEqual(internal);
    expect(toHttpError(frameworkError(500, 'FST_ERR_INTERNAL'))).toEqual(internal);
    // An output that fails its own schema is the server's fault.
    expect(
      toHttpError(new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: zodError() })),
    ).toEqual(internal);
    expect(toHttpError(new Error('boom'), 'Internal error in the provider gateway').body.why).toBe(
      'Internal error in the provider gateway',
    );
  });

  it('clips long messages', () => {
    const { body } = toHttpError(new ApiError('BAD_REQUEST', `id: ${'9'.repeat(100_000)}`));
    expect(body.why.length).toBeLessThan(1100);
    expect(body.why).toMatch(/^id: 9+… \(\d+ more characters\)$/);
  });
});

describe('statusErrorCode', () => {
  it('names statuses by ErrorCode, then by tRPC’s names, else null', () => {
    expect(statusErrorCode(402)).toBe('PAYMENT_REQUIRED');
    expect(statusErrorCode(503)).toBe('SERVICE_UNAVAILABLE');
    expect(statusErrorCode(431)).toBe('REQUEST_HEADER_FIELDS_TOO_LARGE');
    expect(statusErrorCode(418)).toBeNull();
  });
});

describe('relayedErrorCode', () => {
  it('passes on what the other side says about the request, and its unavailability', () => {
    const cases: Array<[number | null, string]> = [
      [null, 'SERVICE_UNAVAILABLE'],
      [400, 'BAD_REQUEST'],
      [401, 'BAD_REQUEST'],
      [404, 'NOT_FOUND'],
      [409, 'CONFLICT'],
      [422, 'BAD_REQUEST'],
      [429, 'TOO_MANY_REQUESTS'],
      [500, 'BAD_GATEWAY'],
      [502, 'BAD_GATEWAY'],
      [503, 'SERVICE_UNAVAILABLE'],
    ];
    expect(cases.map(([status]) => [status, relayedErrorCode(status)])).toEqual(cases);
  });
});

describe('noSuchCall', () => {
  it('is a 404 naming the call, clipped', () => {
    expect(noSuchCall('GET', '/nope')).toEqual({
      status: 404,
      body: { why: 'No such call: GET /nope', errorCode: 'NOT_FOUND' },
    });
    expect(noSuchCall('GET', `/${'x'.repeat(5000)}`).body.why.length).toBeLessThan(1100);
  });
});

describe('malformedRequestAnswer', () => {
  it('is a complete HTTP answer with a CommonErrorMessage', () => {
    const answer = malformedRequestAnswer({ code: 'HPE_HEADER_OVERFLOW' });
    const [head, body] = answer.split('\r\n\r\n') as [string, string];
    expect(head).toMatch(/^HTTP\/1\.1 431 /);
    expect(head).toContain(`Content-Length: ${body.length}`);
    expect(JSON.parse(body)).toEqual({
      why: 'The request line and headers exceed 16 KB',
      errorCode: 'REQUEST_HEADER_FIELDS_TOO_LARGE',
    });
    expect(malformedRequestAnswer({})).toMatch(/^HTTP\/1\.1 400 /);
  });
});

describe('errorHandlers', () => {
  /** A request and reply as a web framework hands them over, recording what happens. */
  function call(url = '/api/jobs') {
    const logged: Array<[string, object, string]> = [];
    const sent: Array<[number, unknown]> = [];
    const request: FailedRequest = {
      method: 'POST',
      url,
      log: {
        error: (details, message) => logged.push(['error', details, message]),
        warn: (details, message) => logged.push(['warn', details, message]),
        debug: (details, message) => logged.push(['debug', details, message]),
      },
    };
    const reply = {
      code: (status: number) => ({ send: (payload: unknown) => sent.push([status, payload]) }),
    };
    return { request, reply, logged, sent };
  }

  it('answers in the spec’s shape and logs only what the caller is not told', () => {
    const { replyWithError } = errorHandlers({ internalMessage: 'Internal error in X' });
    const failed = call();
    const error = new Error('disk on fire');
    replyWithError(error, failed.request, failed.reply);
    expect(failed.sent).toEqual([
      [500, { why: 'Internal error in X', errorCode: 'INTERNAL_SERVER_ERROR' }],
    ]);
    expect(failed.logged).toEqual([['error', { err: error, url: '/api/jobs' }, 'request failed']]);

    const down = call();
    replyWithError(new ApiError('SERVICE_UNAVAILABLE', 'plugin down'), down.request, down.reply);
    expect(down.sent).toEqual([[503, { why: 'plugin down', errorCode: 'SERVICE_UNAVAILABLE' }]]);
    expect(down.logged.map(([level]) => level)).toEqual(['warn']);

    const refused = call();
    replyWithError(new ApiError('BAD_REQUEST', 'no'), refused.request, refused.reply);
    expect(refused.logged.map(([level]) => level)).toEqual(['debug']);
  });

  it('wraps the answer in a face’s own envelope', () => {
    const { replyWithError } = errorHandlers({
      envelope: ({ status, body }, request) =>
        request.url.startsWith('/trpc') ? { error: { message: body.why, status } } : body,
    });
    const trpc = call('/trpc/jobs.create');
    replyWithError(new ApiError('UNAUTHORIZED', 'token?'), trpc.request, trpc.reply);
    expect(trpc.sent).toEqual([[401, { error: { message: 'token?', status: 401 } }]]);
    const rest = call('/api/jobs');
    replyWithError(new ApiError('UNAUTHORIZED', 'token?'), rest.request, rest.reply);
    expect(rest.sent).toEqual([[401, { why: 'token?', errorCode: 'UNAUTHORIZED' }]]);
  });

  it('answers calls no route serves with a 404', () => {
    const { replyNotFound } = errorHandlers();
    const missing = call('/api/nothing');
    replyNotFound(missing.request, missing.reply);
    expect(missing.sent).toEqual([
      [404, { why: 'No such call: POST /api/nothing', errorCode: 'NOT_FOUND' }],
    ]);
  });

  it('answers a request too broken to route on the socket, while it can be written', () => {
    const { answerMalformedRequest } = errorHandlers();
    const written: string[] = [];
    answerMalformedRequest(
      { code: 'HPE_INVALID_METHOD' },
      { writable: true, end: (d) => written.push(d) },
    );
    answerMalformedRequest({}, { writable: false, end: (d) => written.push(d) });
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^HTTP\/1\.1 400 Bad Request/);
  });
});
