import {
  appRouter,
  badRequest,
  toHttpError,
  type ApiContext,
  errorMessage,
} from '@ucloud/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { replyWithError } from './errors.js';

type Caller = ReturnType<typeof appRouter.createCaller>;
type ContextOf = (request: FastifyRequest) => ApiContext;

/**
 * The spec's REST routes. Each one calls the same tRPC procedure a typed client would, so both
 * faces share validation, authorisation and errors.
 */
export function registerRestRoutes(app: FastifyInstance, contextOf: ContextOf): void {
  // The spec's own curl examples send `Content-Type: content-type: application/json`: read every body as JSON.
  app.addHook('onRequest', async (request) => {
    if (request.headers['content-type'] !== undefined)
      request.headers['content-type'] = 'application/json';
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch (e) {
      done(
        Object.assign(new Error(`The request body is not valid JSON: ${errorMessage(e)}`), {
          statusCode: 400,
        }),
        undefined,
      );
    }
  });

  const route =
    (call: (caller: Caller, request: FastifyRequest) => Promise<unknown>) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      const result = await call(appRouter.createCaller(contextOf(request)), request);
      return reply.send(result ?? {});
    };
  const body = (r: FastifyRequest) => r.body as never;
  const query = (r: FastifyRequest) => r.query as never;

  app.post(
    '/api/jobs',
    // An Idempotency-Key header does what `idempotencyKey` in the body does.
    route((c, r) => {
      const key = r.headers['idempotency-key'];
      const request = r.body as Record<string, unknown> | undefined;
      return c.jobs.create(
        (typeof key === 'string' && request
          ? { ...request, idempotencyKey: key }
          : request) as never,
      );
    }),
  );
  app.get(
    '/api/jobs/retrieve',
    route((c, r) => c.jobs.retrieve(query(r))),
  );
  app.get(
    '/api/jobs/browse',
    route((c, r) => c.jobs.browse(query(r))),
  );
  app.post(
    '/api/jobs/search',
    route((c, r) => c.jobs.search(withFlatFlags(r.body) as never)),
  );
  app.post(
    '/api/jobs/terminate',
    route((c, r) => c.jobs.terminate(body(r))),
  );
  app.post(
    '/api/jobs/extend',
    route((c, r) => c.jobs.extend(body(r))),
  );
  app.post(
    '/api/jobs/suspend',
    route((c, r) => c.jobs.suspend(body(r))),
  );
  app.post(
    '/api/jobs/unsuspend',
    route((c, r) => c.jobs.unsuspend(body(r))),
  );
  app.get(
    '/api/jobs/retrieveUtilization',
    route((c, r) => c.jobs.retrieveUtilization(query(r))),
  );
  app.get(
    '/api/jobs/retrieveProducts',
    route((c) => c.jobs.retrieveProducts()),
  );
  app.post(
    '/api/jobs/interactiveSession',
    route((c, r) => c.jobs.openInteractiveSession(body(r))),
  );
  app.post(
    '/api/jobs/init',
    route((c) => c.jobs.init()),
  );
  app.post(
    '/api/jobs/updateAcl',
    route((c, r) => c.jobs.updateAcl(body(r))),
  );
  app.get('/api/jobs/follow', (request, reply) =>
    followAsServerSentEvents(request, reply, contextOf),
  );
  app.get(
    '/api/jobs/sessions',
    route((c, r) => c.jobs.browseSessions(query(r))),
  );

  app.post(
    '/api/jobs/control/update',
    route((c, r) => c.control.update(body(r))),
  );
  app.get(
    '/api/jobs/control/cursor',
    route((c, r) => c.control.retrieveCursor(query(r))),
  );
  app.get(
    '/api/jobs/control/browse',
    route((c, r) => c.control.browse(query(r))),
  );
  app.post(
    '/api/jobs/control/sessions/redeem',
    route((c, r) => c.control.redeemSession(body(r))),
  );
  // POST though it changes nothing: up to 1,000 ids do not fit a query string.
  app.post(
    '/api/jobs/control/sessions/check',
    route((c, r) => c.control.checkSessions(body(r))),
  );
  app.post(
    '/api/jobs/control/sessions/closed',
    route((c, r) => c.control.closedSessions(body(r))),
  );

  // Accounting (UCloud's AccountingV2 routes).
  app.get(
    '/api/accounting/v2/browseWallets',
    route((c, r) => c.accounting.browseWallets(query(r))),
  );
  app.post(
    '/api/accounting/v2/rootAllocate',
    route((c, r) => c.accounting.rootAllocate(body(r))),
  );
  app.post(
    '/api/accounting/v2/subAllocate',
    route((c, r) => c.accounting.subAllocate(body(r))),
  );
  app.post(
    '/api/accounting/v2/updateAllocation',
    route((c, r) => c.accounting.updateAllocation(body(r))),
  );
  app.get(
    '/api/accounting/v2/jobUsage',
    route((c, r) => c.accounting.retrieveJobUsage(query(r))),
  );

  // Licenses (UCloud's resource routes).
  app.post(
    '/api/licenses',
    route((c, r) => c.licenses.create(body(r))),
  );
  app.get(
    '/api/licenses/browse',
    route((c, r) => c.licenses.browse(query(r))),
  );
  app.get(
    '/api/licenses/retrieve',
    route((c, r) => c.licenses.retrieve(query(r))),
  );
  app.delete(
    '/api/licenses',
    route((c, r) => c.licenses.delete(body(r))),
  );
  app.get(
    '/api/licenses/retrieveProducts',
    route((c) => c.licenses.browseProducts()),
  );

  // Projects (UCloud's v2 routes; members are added directly instead of through invitations).
  app.post(
    '/api/projects/v2',
    route((c, r) => c.projects.create(body(r))),
  );
  app.get(
    '/api/projects/v2/retrieve',
    route((c, r) => c.projects.retrieve(query(r))),
  );
  app.get(
    '/api/projects/v2/browse',
    route((c, r) => c.projects.browse(query(r))),
  );
  app.post(
    '/api/projects/v2/members',
    route((c, r) => c.projects.addMember(body(r))),
  );
  app.post(
    '/api/projects/v2/deleteMember',
    route((c, r) => c.projects.deleteMember(body(r))),
  );
  app.post(
    '/api/projects/v2/groups',
    route((c, r) => c.projects.createGroup(body(r))),
  );
  app.post(
    '/api/projects/v2/groups/members',
    route((c, r) => c.projects.addGroupMember(body(r))),
  );
  app.post(
    '/api/projects/v2/groups/deleteMember',
    route((c, r) => c.projects.deleteGroupMember(body(r))),
  );

  // Users and API tokens (not in the spec: UCloud has its own identity service).
  app.post(
    '/api/users',
    route((c, r) => c.users.create(body(r))),
  );
  app.get(
    '/api/users/browse',
    route((c) => c.users.browse()),
  );
  app.post(
    '/api/users/disable',
    route((c, r) => c.users.disable(body(r))),
  );
  app.post(
    '/api/tokens',
    route((c, r) => c.tokens.issue(body(r))),
  );
  app.get(
    '/api/tokens/browse',
    route((c, r) => c.tokens.browse(query(r))),
  );
  app.post(
    '/api/tokens/revoke',
    route((c, r) => c.tokens.revoke(body(r))),
  );

  app.get(
    '/api/hpc/apps',
    route((c, r) => c.catalog.listApplications(query(r))),
  );
  app.get(
    '/api/hpc/apps/byNameAndVersion',
    route((c, r) => {
      const q = r.query as { appName?: string; appVersion?: string };
      return c.catalog.findApplication({ name: q.appName ?? '', version: q.appVersion ?? '' });
    }),
  );
  app.get(
    '/api/products/browse',
    route((c, r) => c.catalog.browseProducts(query(r))),
  );
}

/**
 * The spec's ResourceSearchRequest carries the include flags as an object (`"flags": {…}`), where
 * a query string and the tRPC input have them beside the paging fields.
 */
function withFlatFlags(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || !('flags' in body)) return body;
  const { flags, ...rest } = body;
  if (flags === null) return rest;
  if (typeof flags !== 'object' || Array.isArray(flags))
    throw badRequest('flags: expected an object');
  const twice = Object.keys(flags).find((key) => key in rest);
  if (twice !== undefined) throw badRequest(`flags.${twice}: also given outside flags`);
  return { ...rest, ...flags };
}

/** `GET /api/jobs/follow?id=…` as Server-Sent Events, resumable with the Last-Event-ID header, for curl users. */
async function followAsServerSentEvents(
  request: FastifyRequest,
  reply: FastifyReply,
  contextOf: ContextOf,
) {
  const q = request.query as { id?: string; lastEventId?: string };
  const lastEventId =
    (request.headers['last-event-id'] as string | undefined) ?? q.lastEventId ?? null;
  const abort = new AbortController();
  request.raw.on('close', () => abort.abort());
  let events: AsyncIterable<unknown>;
  try {
    events = await appRouter
      .createCaller(contextOf(request), { signal: abort.signal })
      // Any other query parameter is passed on to be refused, not ignored.
      .jobs.follow({ ...q, id: q.id ?? '', lastEventId });
  } catch (e) {
    return replyWithError(e, request, reply);
  }
  reply.hijack();
  reply.raw.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  try {
    for await (const event of events) {
      const [id, data] = event as [string, unknown];
      reply.raw.write(`id: ${id}\ndata: ${JSON.stringify(data)}\n\n`);
    }
  } catch (e) {
    const { status, body } = toHttpError(e);
    if (status >= 500) request.log.error({ err: e, url: request.url }, 'follow failed');
    reply.raw.write(`event: error\ndata: ${JSON.stringify(body)}\n\n`);
  } finally {
    reply.raw.end();
  }
}
