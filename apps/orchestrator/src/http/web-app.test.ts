import type { Services } from '@ucloud/contracts';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { buildHttpServer } from './server.js';

// The web interface is built before the orchestrator (it is one of its dependencies).
const app = await buildHttpServer({
  services: {} as Services,
  authenticate: (authorization) =>
    authorization === 'Bearer t'
      ? { kind: 'user', username: 'user', admin: false, operator: false, project: null, role: null }
      : null,
  log: pino({ level: 'silent' }),
});
afterAll(() => app.close());

describe('the web interface at /', () => {
  it('serves the app, and index.html for its client-side routes, without a token', async () => {
    for (const url of ['/', '/jobs/12', '/applications/acme-batch/1.0.0?q=x']) {
      const page = await app.inject({ url });
      expect(page.statusCode, url).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.headers['cache-control']).toBe('no-cache');
      expect(page.body).toContain('<div id="root">');
    }
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec((await app.inject({ url: '/' })).body)?.[1];
    const script = await app.inject({ url: asset ?? '' });
    expect(script.statusCode).toBe(200);
    expect(script.headers['cache-control']).toContain('immutable');
  });

  it('leaves the API as it was: unknown calls answer JSON, 401 before 404', async () => {
    const anonymous = await app.inject({ url: '/api/nope' });
    expect(anonymous.statusCode).toBe(401);
    const unknown = await app.inject({ url: '/api/nope', headers: { authorization: 'Bearer t' } });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ why: 'No such call: GET /api/nope', errorCode: 'NOT_FOUND' });
    expect((await app.inject({ url: '/trpc/nope' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url: '/jobs' })).statusCode).toBe(401);
    const missing = await app.inject({ url: '/assets/missing.js' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ errorCode: 'NOT_FOUND' });
  });
});
