import type { Actor, Services } from '@ucloud/contracts';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { buildHttpServer } from './server.js';

/** A server over services that record what the session routes pass them. */
async function recordingServer() {
  const calls: Array<[string, Actor, unknown]> = [];
  const record =
    (name: string, answer: unknown) =>
    async (actor: Actor, request: unknown): Promise<unknown> => {
      calls.push([name, actor, request]);
      return answer;
    };
  const services = {
    jobs: { browseSessions: record('browseSessions', { itemsPerPage: 2, items: [], next: null }) },
    control: {
      redeemSession: record('redeemSession', { sessionId: '1' }),
      checkSessions: record('checkSessions', [{ id: '2', reason: 'the job is SUSPENDED' }]),
      closedSessions: record('closedSessions', {}),
    },
  } as unknown as Services;
  const actors: Record<string, Actor> = {
    'Bearer admin': {
      kind: 'user',
      username: 'root',
      admin: true,
      operator: false,
      project: null,
      role: null,
    },
    'Bearer gateway': { kind: 'provider', providerId: 'example' },
  };
  const app = await buildHttpServer({
    services,
    authenticate: (authorization) => (authorization ? actors[authorization] : undefined) ?? null,
    log: pino({ level: 'silent' }),
  });
  return { app, calls };
}

describe('REST routes of interactive sessions', () => {
  it('GET /api/jobs/sessions reads its query string as browseSessions input', async () => {
    const { app, calls } = await recordingServer();
    const answer = await app.inject({
      url: '/api/jobs/sessions?filterOpen=true&itemsPerPage=2&next=7',
      headers: { authorization: 'Bearer admin' },
    });
    expect(answer.statusCode).toBe(200);
    expect(calls.map(([name, , request]) => [name, request])).toEqual([
      ['browseSessions', { filterOpen: true, itemsPerPage: 2, next: '7' }],
    ]);
    await app.close();
  });

  it('the control routes take JSON bodies from the provider', async () => {
    const { app, calls } = await recordingServer();
    const post = (url: string, payload: object) =>
      app.inject({ method: 'POST', url, payload, headers: { authorization: 'Bearer gateway' } });
    const ticket = 'a'.repeat(32);
    await post('/api/jobs/control/sessions/redeem', { ticket });
    const check = await post('/api/jobs/control/sessions/check', { ids: ['2'] });
    await post('/api/jobs/control/sessions/closed', { items: [{ id: '2', reason: 'r' }] });
    expect(check.json()).toEqual([{ id: '2', reason: 'the job is SUSPENDED' }]);
    expect(calls).toEqual([
      ['redeemSession', { kind: 'provider', providerId: 'example' }, { ticket }],
      ['checkSessions', { kind: 'provider', providerId: 'example' }, { ids: ['2'] }],
      [
        'closedSessions',
        { kind: 'provider', providerId: 'example' },
        { items: [{ id: '2', reason: 'r' }] },
      ],
    ]);
    await app.close();
  });
});
