import type { AnyProcedure, inferProcedureOutput, inferRouterInputs } from '@trpc/server';
import {
  ApiToken,
  ApplicationWithFavoriteAndTags,
  appRouter,
  badRequest,
  BulkResponse,
  ComputeProduct,
  errorMessage,
  EventCursorInput,
  FindByStringId,
  InteractiveSession,
  Job,
  JobIncludeFlags,
  JobsFollowResponse,
  JobsRetrieveUtilizationResponse,
  JobsSearchRequest,
  JobUsage,
  License,
  LicenseProduct,
  NameAndVersion,
  OpenSessionWithProvider,
  PageV2,
  Project,
  RedeemedSession,
  SessionToClose,
  SupportByProvider,
  toHttpError,
  Unit,
  User,
  UsernameItem,
  WalletV2,
  type ApiContext,
  type AppRouter,
} from '@ucloud/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { replyWithError } from './errors.js';
import { buildOpenApiDocument, OPENAPI_PATH, type OpenApiDocument } from './openapi.js';
import { SseWriter } from './sse-writer.js';

type Caller = ReturnType<typeof appRouter.createCaller>;
type Call = (input: unknown) => Promise<unknown>;
type ContextOf = (request: FastifyRequest) => ApiContext;

type Inputs = inferRouterInputs<AppRouter>;
/** A tRPC procedure by its dotted path, `jobs.create`. */
export type ProcedurePath = {
  [R in Extract<keyof Inputs, string>]: `${R}.${Extract<keyof Inputs[R], string>}`;
}[Extract<keyof Inputs, string>];
type Procedures = AppRouter['_def']['record'];
/** What a procedure's service returns, before serialisation. */
type OutputOf<P extends ProcedurePath> = P extends `${infer R extends keyof Procedures}.${infer N}`
  ? N extends keyof Procedures[R]
    ? Procedures[R][N] extends AnyProcedure
      ? inferProcedureOutput<Procedures[R][N]>
      : never
    : never
  : never;
/** What a route answers for a procedure's result: nothing becomes `{}`. */
type RestAnswer<T> = T extends null | undefined ? Unit : T;

/** One REST route: the tRPC procedure it calls, and what the OpenAPI document says of it. */
export interface RestRoute<P extends ProcedurePath = ProcedurePath> {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  procedure: P;
  summary: string;
  /** Where the procedure's input is read: the query string or the JSON body; none when it takes none. */
  input?: 'query' | 'body';
  /** The request as REST callers send it, where that differs from the procedure's input. */
  restInput?: z.ZodType;
  /** Turns the REST request into the procedure's input. */
  toInput?: (value: unknown, request: FastifyRequest) => unknown;
  /** Request headers of this route only: name → what it does. */
  headers?: Record<string, string>;
  /** The 200 answer; for a stream, the data of each event. */
  response: z.ZodType;
  /** Answered as Server-Sent Events. */
  stream?: true;
}

/**
 * A route whose `response` describes what its procedure returns: a schema that does not fit the
 * service's type fails to compile, so the document cannot drift from the code.
 */
const route = <P extends ProcedurePath, S extends z.ZodType>(
  r: RestRoute<P> & {
    response: S & ([RestAnswer<OutputOf<P>>] extends [z.output<S>] ? unknown : never);
  },
): RestRoute => r;
/** A stream's procedure returns an async iterable, checked by the handler instead. */
const streamRoute = <P extends ProcedurePath>(r: RestRoute<P> & { stream: true }): RestRoute => r;

/** The spec's REST routes, in one table read by the server and by the OpenAPI document. */
export const REST_ROUTES: readonly RestRoute[] = [
  route({
    method: 'POST',
    path: '/api/jobs',
    procedure: 'jobs.create',
    summary: 'Create jobs',
    input: 'body',
    headers: {
      'Idempotency-Key':
        "Does what the body's `idempotencyKey` does: a retry answers the first request's job ids.",
    },
    toInput: (body, request) => {
      const key = request.headers['idempotency-key'];
      return typeof key === 'string' && typeof body === 'object' && body !== null
        ? { ...body, idempotencyKey: key }
        : body;
    },
    response: BulkResponse(FindByStringId),
  }),
  route({
    method: 'GET',
    path: '/api/jobs/retrieve',
    procedure: 'jobs.retrieve',
    summary: 'Retrieve a job',
    input: 'query',
    response: Job,
  }),
  route({
    method: 'GET',
    path: '/api/jobs/browse',
    procedure: 'jobs.browse',
    summary: 'Browse jobs',
    input: 'query',
    response: PageV2(Job),
  }),
  route({
    method: 'POST',
    path: '/api/jobs/search',
    procedure: 'jobs.search',
    summary: 'Search jobs by id, name or application',
    input: 'body',
    // The spec's ResourceSearchRequest carries the include flags as an object.
    restInput: JobsSearchRequest.extend({ flags: JobIncludeFlags.nullish() }),
    toInput: withFlatFlags,
    response: PageV2(Job),
  }),
  route({
    method: 'POST',
    path: '/api/jobs/terminate',
    procedure: 'jobs.terminate',
    summary: 'Terminate jobs',
    input: 'body',
    response: BulkResponse(Unit),
  }),
  route({
    method: 'POST',
    path: '/api/jobs/extend',
    procedure: 'jobs.extend',
    summary: "Extend jobs' time allocations",
    input: 'body',
    response: BulkResponse(Unit),
  }),
  route({
    method: 'POST',
    path: '/api/jobs/suspend',
    procedure: 'jobs.suspend',
    summary: 'Suspend jobs',
    input: 'body',
    response: BulkResponse(Unit),
  }),
  route({
    method: 'POST',
    path: '/api/jobs/unsuspend',
    procedure: 'jobs.unsuspend',
    summary: 'Resume suspended jobs',
    input: 'body',
    response: BulkResponse(Unit),
  }),
  route({
    method: 'GET',
    path: '/api/jobs/retrieveUtilization',
    procedure: 'jobs.retrieveUtilization',
    summary: "The utilization of a job's cluster",
    input: 'query',
    response: JobsRetrieveUtilizationResponse,
  }),
  route({
    method: 'GET',
    path: '/api/jobs/retrieveProducts',
    procedure: 'jobs.retrieveProducts',
    summary: 'What each provider supports',
    response: SupportByProvider,
  }),
  route({
    method: 'POST',
    path: '/api/jobs/interactiveSession',
    procedure: 'jobs.openInteractiveSession',
    summary: 'Open shell, web or VNC sessions',
    input: 'body',
    response: BulkResponse(OpenSessionWithProvider),
  }),
  route({
    method: 'POST',
    path: '/api/jobs/init',
    procedure: 'jobs.init',
    summary: 'Ask every provider to prepare for the caller',
    response: Unit,
  }),
  route({
    method: 'POST',
    path: '/api/jobs/updateAcl',
    procedure: 'jobs.updateAcl',
    summary: 'Share jobs',
    input: 'body',
    response: BulkResponse(Unit),
  }),
  streamRoute({
    method: 'GET',
    path: '/api/jobs/follow',
    procedure: 'jobs.follow',
    summary: 'Follow a job: updates, logs and status as Server-Sent Events',
    input: 'query',
    headers: {
      'Last-Event-ID': 'Resumes after this event, without gap or replay (as `lastEventId` does).',
    },
    response: JobsFollowResponse,
    stream: true,
  }),
  route({
    method: 'GET',
    path: '/api/jobs/sessions',
    procedure: 'jobs.browseSessions',
    summary: 'Browse interactive sessions (administrators)',
    input: 'query',
    response: PageV2(InteractiveSession),
  }),

  route({
    method: 'POST',
    path: '/api/jobs/control/update',
    procedure: 'control.update',
    summary: "Report updates of the provider's jobs",
    input: 'body',
    response: Unit,
  }),
  route({
    method: 'GET',
    path: '/api/jobs/control/cursor',
    procedure: 'control.retrieveCursor',
    summary: "Where the provider's event stream was acknowledged up to",
    input: 'query',
    response: EventCursorInput.or(Unit),
  }),
  route({
    method: 'GET',
    path: '/api/jobs/control/browse',
    procedure: 'control.browse',
    summary: "Browse the provider's jobs",
    input: 'query',
    response: PageV2(Job),
  }),
  route({
    method: 'POST',
    path: '/api/jobs/control/sessions/redeem',
    procedure: 'control.redeemSession',
    summary: 'Open the session of a ticket',
    input: 'body',
    response: RedeemedSession,
  }),
  // POST though it changes nothing: up to 1,000 ids do not fit a query string.
  route({
    method: 'POST',
    path: '/api/jobs/control/sessions/check',
    procedure: 'control.checkSessions',
    summary: 'Which open sessions must close',
    input: 'body',
    response: z.array(SessionToClose),
  }),
  route({
    method: 'POST',
    path: '/api/jobs/control/sessions/closed',
    procedure: 'control.closedSessions',
    summary: 'Record that sessions closed',
    input: 'body',
    response: Unit,
  }),

  // Accounting (UCloud's AccountingV2 routes).
  route({
    method: 'GET',
    path: '/api/accounting/v2/browseWallets',
    procedure: 'accounting.browseWallets',
    summary: "The caller's wallets",
    input: 'query',
    response: PageV2(WalletV2),
  }),
  route({
    method: 'POST',
    path: '/api/accounting/v2/rootAllocate',
    procedure: 'accounting.rootAllocate',
    summary: 'Allocate from the root (administrators)',
    input: 'body',
    response: BulkResponse(z.object({ id: z.number().int() })),
  }),
  route({
    method: 'POST',
    path: '/api/accounting/v2/subAllocate',
    procedure: 'accounting.subAllocate',
    summary: 'Allocate to a sub-project',
    input: 'body',
    response: BulkResponse(z.object({ id: z.number().int() })),
  }),
  route({
    method: 'POST',
    path: '/api/accounting/v2/updateAllocation',
    procedure: 'accounting.updateAllocation',
    summary: 'Change allocations',
    input: 'body',
    response: BulkResponse(Unit),
  }),
  route({
    method: 'GET',
    path: '/api/accounting/v2/jobUsage',
    procedure: 'accounting.retrieveJobUsage',
    summary: 'What a job was charged',
    input: 'query',
    response: JobUsage,
  }),

  // Licenses (UCloud's resource routes).
  route({
    method: 'POST',
    path: '/api/licenses',
    procedure: 'licenses.create',
    summary: 'Activate licenses',
    input: 'body',
    response: BulkResponse(FindByStringId),
  }),
  route({
    method: 'GET',
    path: '/api/licenses/browse',
    procedure: 'licenses.browse',
    summary: 'Browse licenses',
    input: 'query',
    response: PageV2(License),
  }),
  route({
    method: 'GET',
    path: '/api/licenses/retrieve',
    procedure: 'licenses.retrieve',
    summary: 'Retrieve a license',
    input: 'query',
    response: License,
  }),
  route({
    method: 'DELETE',
    path: '/api/licenses',
    procedure: 'licenses.delete',
    summary: 'Deactivate licenses',
    input: 'body',
    response: BulkResponse(Unit),
  }),
  route({
    method: 'GET',
    path: '/api/licenses/retrieveProducts',
    procedure: 'licenses.browseProducts',
    summary: 'License products',
    response: PageV2(LicenseProduct),
  }),

  // Projects (UCloud's v2 routes; members are added directly instead of through invitations).
  route({
    method: 'POST',
    path: '/api/projects/v2',
    procedure: 'projects.create',
    summary: 'Create projects',
    input: 'body',
    response: BulkResponse(FindByStringId),
  }),
  route({
    method: 'GET',
    path: '/api/projects/v2/retrieve',
    procedure: 'projects.retrieve',
    summary: 'Retrieve a project',
    input: 'query',
    response: Project,
  }),
  route({
    method: 'GET',
    path: '/api/projects/v2/browse',
    procedure: 'projects.browse',
    summary: "The caller's projects",
    input: 'query',
    response: PageV2(Project),
  }),
  route({
    method: 'POST',
    path: '/api/projects/v2/members',
    procedure: 'projects.addMember',
    summary: 'Add members or change their role',
    input: 'body',
    response: BulkResponse(Unit),
  }),
  route({
    method: 'POST',
    path: '/api/projects/v2/deleteMember',
    procedure: 'projects.deleteMember',
    summary: 'Remove members',
    input: 'body',
    response: BulkResponse(Unit),
  }),
  route({
    method: 'POST',
    path: '/api/projects/v2/groups',
    procedure: 'projects.createGroup',
    summary: 'Create groups',
    input: 'body',
    response: BulkResponse(FindByStringId),
  }),
  route({
    method: 'POST',
    path: '/api/projects/v2/groups/members',
    procedure: 'projects.addGroupMember',
    summary: 'Add group members',
    input: 'body',
    response: BulkResponse(Unit),
  }),
  route({
    method: 'POST',
    path: '/api/projects/v2/groups/deleteMember',
    procedure: 'projects.deleteGroupMember',
    summary: 'Remove group members',
    input: 'body',
    response: BulkResponse(Unit),
  }),

  // Users and API tokens (not in the spec: UCloud has its own identity service).
  route({
    method: 'POST',
    path: '/api/users',
    procedure: 'users.create',
    summary: 'Create users (administrators)',
    input: 'body',
    response: BulkResponse(UsernameItem),
  }),
  route({
    method: 'GET',
    path: '/api/users/browse',
    procedure: 'users.browse',
    summary: 'Browse users',
    response: z.object({ items: z.array(User) }),
  }),
  route({
    method: 'POST',
    path: '/api/users/disable',
    procedure: 'users.disable',
    summary: 'Disable users (administrators)',
    input: 'body',
    response: BulkResponse(Unit),
  }),
  route({
    method: 'POST',
    path: '/api/tokens',
    procedure: 'tokens.issue',
    summary: 'Issue API tokens',
    input: 'body',
    response: BulkResponse(ApiToken.extend({ token: z.string() })),
  }),
  route({
    method: 'GET',
    path: '/api/tokens/browse',
    procedure: 'tokens.browse',
    summary: 'Browse API tokens',
    input: 'query',
    response: z.object({ items: z.array(ApiToken) }),
  }),
  route({
    method: 'POST',
    path: '/api/tokens/revoke',
    procedure: 'tokens.revoke',
    summary: 'Revoke API tokens',
    input: 'body',
    response: BulkResponse(Unit),
  }),

  route({
    method: 'GET',
    path: '/api/hpc/apps',
    procedure: 'catalog.listApplications',
    summary: 'List applications',
    input: 'query',
    response: z.object({
      itemsInTotal: z.number().int(),
      itemsPerPage: z.number().int(),
      pageNumber: z.number().int(),
      items: z.array(
        ApplicationWithFavoriteAndTags.pick({ metadata: true, favorite: true, tags: true }),
      ),
    }),
  }),
  route({
    method: 'GET',
    path: '/api/hpc/apps/byNameAndVersion',
    procedure: 'catalog.findApplication',
    summary: 'Find an application by name and version',
    input: 'query',
    restInput: z.object({
      appName: NameAndVersion.shape.name,
      appVersion: NameAndVersion.shape.version,
    }),
    toInput: (query) => {
      const q = query as { appName?: string; appVersion?: string };
      return { name: q.appName ?? '', version: q.appVersion ?? '' };
    },
    response: ApplicationWithFavoriteAndTags,
  }),
  route({
    method: 'GET',
    path: '/api/products/browse',
    procedure: 'catalog.browseProducts',
    summary: 'Browse compute products',
    input: 'query',
    response: PageV2(ComputeProduct),
  }),
];

let document: OpenApiDocument | undefined;
/** The OpenAPI document of REST_ROUTES, built once. */
export const openApiDocument = () => (document ??= buildOpenApiDocument(REST_ROUTES));

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

  for (const route of REST_ROUTES)
    app.route({
      method: route.method,
      url: route.path,
      handler: route.stream
        ? (request, reply) => followAsServerSentEvents(request, reply, contextOf)
        : async (request, reply) => {
            const call = procedureOf(appRouter.createCaller(contextOf(request)), route.procedure);
            const value = route.input === undefined ? undefined : request[route.input];
            const result = await call(route.toInput ? route.toInput(value, request) : value);
            return reply.send(result ?? {});
          },
    });
  app.get(OPENAPI_PATH, { config: { public: true } }, async () => openApiDocument());
}

/** A procedure of the caller by its dotted path (`jobs.create`). */
function procedureOf(caller: Caller, path: ProcedurePath): Call {
  const [router, name] = path.split('.') as [string, string];
  const routers = caller as unknown as Record<string, Record<string, Call>>;
  const procedure = routers[router]?.[name];
  if (procedure === undefined) throw new Error(`No procedure ${path}`);
  return procedure;
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
  const writer = new SseWriter(reply.raw);
  try {
    for await (const event of events) {
      const [id, data] = event as [string, JobsFollowResponse];
      writer.send(id, data);
      if (writer.behind) await writer.drained();
    }
  } catch (e) {
    const { status, body } = toHttpError(e);
    if (status >= 500) request.log.error({ err: e, url: request.url }, 'follow failed');
    writer.error(body);
  } finally {
    writer.end();
  }
}
