import type { Services } from '@ucloud/contracts';
import pino from 'pino';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildHttpServer } from './server.js';

/** A server whose every job lookup fails the way a bug or a broken disk would. */
async function failingServer() {
  const logged: string[] = [];
  const log = pino(
    new Writable({
      write(chunk, _encoding, done) {
        logged.push(String(chunk));
        done();
      },
    }),
  );
  const services = {
    jobs: {
      retrieve: () => {
        throw new Error('SQLITE_CORRUPT: /srv/ucloud/orchestrator.sqlite is malformed');
      },
    },
  } as unknown as Services;
  const app = await buildHttpServer({
    services,
    authenticate: (authorization) =>
      authorization === 'Bearer t'
        ? {
            kind: 'user',
            username: 'user',
            admin: false,
            operator: false,
            project: null,
            role: null,
          }
        : null,
    log,
  });
  return { app, logged };
}

describe('errors the caller cannot fix', () => {
  it('answer 500 with a generic message on both faces; the detail goes to the log', async () => {
    const { app, logged } = await failingServer();
    const headers = { authorization: 'Bearer t' };

    const rest = await app.inject({ url: '/api/jobs/retrieve?id=1', headers });
    expect(rest.statusCode).toBe(500);
    expect(rest.json()).toEqual({
      why: 'Internal server error',
      errorCode: 'INTERNAL_SERVER_ERROR',
    });

    const trpc = await app.inject({
      url: `/trpc/jobs.retrieve?input=${encodeURIComponent('{"id":"1"}')}`,
      headers,
    });
    expect(trpc.statusCode).toBe(500);
    expect(trpc.body).not.toMatch(/SQLITE|\/srv|stack|\.js:\d+/);
    expect(trpc.json().error.message).toBe('Internal server error');

    expect(logged.filter((line) => line.includes('SQLITE_CORRUPT'))).toHaveLength(2);
    await app.close();
  });

  it('refuses a caller without a valid token before reading the body, in the face’s shape', async () => {
    const { app } = await failingServer();
    // Malformed on purpose: a 400 would mean the body was read.
    const body = '{"items": [' + '1,'.repeat(100_000);
    const headers = { 'content-type': 'application/json', authorization: 'Bearer nobody' };
    const trpc = await app.inject({ method: 'POST', url: '/trpc/jobs.create', headers, body });
    expect(trpc.statusCode).toBe(401);
    expect(trpc.json().error.data).toEqual({
      code: 'UNAUTHORIZED',
      httpStatus: 401,
      why: 'A valid bearer token is required',
    });
    const rest = await app.inject({ method: 'POST', url: '/api/jobs', body });
    expect(rest.statusCode).toBe(401);
    expect(rest.json()).toEqual({
      why: 'A valid bearer token is required',
      errorCode: 'UNAUTHORIZED',
    });
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    await app.close();
  });
});
