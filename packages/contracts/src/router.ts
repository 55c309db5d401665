import { initTRPC, tracked, TRPCError } from '@trpc/server';
import { z } from 'zod';
import {
  BrowseWalletsRequest,
  JobUsageRequest,
  RootAllocateItem,
  SubAllocateItem,
  UpdateAllocationItem,
} from './accounting.js';
import { TokensBrowseRequest, TokensIssueItem, UsernameItem, UsersCreateItem } from './accounts.js';
import { readsEverything } from './auth.js';
import { ApiError, clipMessage, describeIssues, INTERNAL_ERROR_MESSAGE } from './errors.js';
import { LicensesBrowseRequest, LicensesCreateItem } from './licenses.js';
import {
  JobsBrowseRequest,
  JobsSearchRequest,
  JobsExtendRequestItem,
  JobsRetrieveUtilizationRequest,
  JobsFollowRequest,
  JobsOpenInteractiveSessionRequestItem,
  JobsCreateRequest,
  JobsRetrieveRequest,
  ResourceUpdateAndId,
} from './jobs.js';
import {
  ProjectsBrowseRequest,
  ProjectsCreateGroupItem,
  ProjectsCreateItem,
  ProjectsDeleteMemberItem,
  ProjectsGroupMemberItem,
  ProjectsMemberItem,
  ProjectsRetrieveRequest,
} from './projects.js';
import type { ApiContext } from './services.js';
import {
  BrowseSessionsRequest,
  CheckSessionsRequest,
  ClosedSessionsRequest,
  RedeemSessionRequest,
} from './sessions.js';
import { BulkRequest, FindByStringId, NameAndVersion, QueryInt, UpdatedAcl } from './shared.js';

export const EventCursorInput = z.object({
  stream: z.string().min(1),
  seq: z.string().regex(/^\d+$/, 'must be a decimal sequence number'),
});
export const ControlUpdateRequest = BulkRequest(ResourceUpdateAndId).extend({
  cursor: EventCursorInput.nullish(),
});

function isZodError(e: unknown): e is z.ZodError {
  return e instanceof z.ZodError;
}

const t = initTRPC.context<ApiContext>().create({
  // No stack trace or internal message leaves the server, whatever NODE_ENV says.
  isDev: false,
  errorFormatter({ shape, error }) {
    const internal = error.code === 'INTERNAL_SERVER_ERROR' && !(error.cause instanceof ApiError);
    const message = internal
      ? INTERNAL_ERROR_MESSAGE
      : isZodError(error.cause)
        ? describeIssues(error.cause.issues)
        : clipMessage(shape.message);
    const { code, httpStatus, path } = shape.data;
    return { ...shape, message, data: { code, httpStatus, path, why: message } };
  },
});

/** Turns the services' typed errors into tRPC errors carrying the same code. */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof ApiError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: cause.code, message: cause.message, cause });
  }
  return result;
});

/**
 * A user in a workspace they belong to (REST routes call these same procedures). Operators read
 * and change nothing but their own tokens: refused here, once for every call that changes state.
 */
const userProcedure = t.procedure.use(mapErrors).use(({ ctx, next, type, path }) => {
  if (ctx.actor?.kind !== 'user')
    throw new TRPCError({ code: 'UNAUTHORIZED', message: 'A user bearer token is required' });
  const { admin, operator, username } = ctx.actor;
  if (operator && !admin && type === 'mutation' && !path.startsWith('tokens.'))
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: `${username} is an operator, whose access is read-only: ${path} changes state`,
    });
  // Those who read everything may read in a project they are not a member of.
  const reading = type !== 'mutation' && readsEverything(ctx.actor);
  if (ctx.actor.project !== null && ctx.actor.role === null && !reading)
    throw new TRPCError({
      code: 'NOT_FOUND',
      message: `project: no project with id ${JSON.stringify(ctx.actor.project)}`,
    });
  return next({ ctx: { ...ctx, actor: ctx.actor } });
});

const providerProcedure = t.procedure.use(mapErrors).use(({ ctx, next }) => {
  if (ctx.actor?.kind !== 'provider')
    throw new TRPCError({ code: 'FORBIDDEN', message: 'A provider bearer token is required' });
  return next({ ctx: { ...ctx, actor: ctx.actor } });
});

const jobsRouter = t.router({
  create: userProcedure
    .input(JobsCreateRequest)
    .mutation(({ ctx, input }) => ctx.services.jobs.create(ctx.actor, input)),
  retrieve: userProcedure
    .input(JobsRetrieveRequest)
    .query(({ ctx, input }) => ctx.services.jobs.retrieve(ctx.actor, input)),
  browse: userProcedure
    .input(JobsBrowseRequest)
    .query(({ ctx, input }) => ctx.services.jobs.browse(ctx.actor, input)),
  search: userProcedure
    .input(JobsSearchRequest)
    .query(({ ctx, input }) => ctx.services.jobs.search(ctx.actor, input)),
  terminate: userProcedure
    .input(BulkRequest(FindByStringId))
    .mutation(({ ctx, input }) => ctx.services.jobs.terminate(ctx.actor, input)),
  /** Adds to the deadlines of jobs; refused where the provider does not declare timeExtension. */
  extend: userProcedure
    .input(BulkRequest(JobsExtendRequestItem))
    .mutation(({ ctx, input }) => ctx.services.jobs.extend(ctx.actor, input)),
  suspend: userProcedure
    .input(BulkRequest(FindByStringId))
    .mutation(({ ctx, input }) => ctx.services.jobs.suspend(ctx.actor, input)),
  unsuspend: userProcedure
    .input(BulkRequest(FindByStringId))
    .mutation(({ ctx, input }) => ctx.services.jobs.unsuspend(ctx.actor, input)),
  retrieveUtilization: userProcedure
    .input(JobsRetrieveUtilizationRequest)
    .query(({ ctx, input }) => ctx.services.jobs.retrieveUtilization(ctx.actor, input)),
  /** Grants READ or EDIT on jobs: to users (personal jobs) or to the project's groups (project jobs). */
  updateAcl: userProcedure
    .input(BulkRequest(UpdatedAcl))
    .mutation(({ ctx, input }) => ctx.services.jobs.updateAcl(ctx.actor, input)),
  retrieveProducts: userProcedure.query(({ ctx }) => ctx.services.jobs.retrieveProducts(ctx.actor)),
  /** Shell, web or VNC access to one rank of a running job, where its product declares it. */
  openInteractiveSession: userProcedure
    .input(BulkRequest(JobsOpenInteractiveSessionRequestItem))
    .mutation(({ ctx, input }) => ctx.services.jobs.openInteractiveSession(ctx.actor, input)),
  init: userProcedure.mutation(({ ctx }) => ctx.services.jobs.init(ctx.actor)),
  browseSessions: userProcedure
    .input(BrowseSessionsRequest)
    .query(({ ctx, input }) => ctx.services.jobs.browseSessions(ctx.actor, input)),
  /** Live updates, logs and status of one job; reconnecting with the last event id resumes without gap or replay. */
  follow: userProcedure
    .input(JobsFollowRequest.extend({ lastEventId: z.string().nullish() }))
    .subscription(({ ctx, input, signal }) => {
      // Called outside the generator so that a refusal (unknown job, bad event id) fails the
      // subscription request itself instead of surfacing inside an already open stream.
      const events = ctx.services.jobs.follow(
        ctx.actor,
        input.id,
        input.lastEventId ?? null,
        signal,
      );
      return (async function* () {
        for await (const event of events) yield tracked(event.id, event.data);
      })();
    }),
});

const controlRouter = t.router({
  update: providerProcedure
    .input(ControlUpdateRequest)
    .mutation(({ ctx, input }) =>
      ctx.services.control.update(ctx.actor, { items: input.items }, input.cursor ?? null),
    ),
  retrieveCursor: providerProcedure
    .input(z.object({ stream: z.string().min(1) }))
    .query(({ ctx, input }) => ctx.services.control.retrieveCursor(ctx.actor, input.stream)),
  redeemSession: providerProcedure
    .input(RedeemSessionRequest)
    .mutation(({ ctx, input }) => ctx.services.control.redeemSession(ctx.actor, input)),
  checkSessions: providerProcedure
    .input(CheckSessionsRequest)
    .query(({ ctx, input }) => ctx.services.control.checkSessions(ctx.actor, input)),
  closedSessions: providerProcedure
    .input(ClosedSessionsRequest)
    .mutation(({ ctx, input }) => ctx.services.control.closedSessions(ctx.actor, input)),
  browse: providerProcedure
    .input(
      z.object({
        next: z.string().nullish(),
        itemsPerPage: QueryInt.min(1).max(250).nullish(),
        filterActive: z.boolean().nullish(),
      }),
    )
    .query(({ ctx, input }) => ctx.services.control.browse(ctx.actor, input)),
});

const catalogRouter = t.router({
  listApplications: userProcedure
    .input(
      z.object({
        itemsPerPage: QueryInt.min(1).max(250).default(50),
        page: QueryInt.min(0).default(0),
      }),
    )
    .query(({ ctx, input }) => ctx.services.catalog.listApplications(ctx.actor, input)),
  findApplication: userProcedure
    .input(NameAndVersion)
    .query(({ ctx, input }) => ctx.services.catalog.findApplication(ctx.actor, input)),
  browseProducts: userProcedure
    .input(
      z.object({ itemsPerPage: QueryInt.min(1).max(250).nullish(), next: z.string().nullish() }),
    )
    .query(({ ctx, input }) => ctx.services.catalog.browseProducts(ctx.actor, input)),
});

const projectsRouter = t.router({
  /** Administrators create root projects; a project's PI or admins create its sub-projects. */
  create: userProcedure
    .input(BulkRequest(ProjectsCreateItem))
    .mutation(({ ctx, input }) => ctx.services.projects.create(ctx.actor, input)),
  retrieve: userProcedure
    .input(ProjectsRetrieveRequest)
    .query(({ ctx, input }) => ctx.services.projects.retrieve(ctx.actor, input)),
  browse: userProcedure
    .input(ProjectsBrowseRequest)
    .query(({ ctx, input }) => ctx.services.projects.browse(ctx.actor, input)),
  /** Adds members or changes their role; PI and admins only (only the PI makes admins). */
  addMember: userProcedure
    .input(BulkRequest(ProjectsMemberItem))
    .mutation(({ ctx, input }) => ctx.services.projects.addMember(ctx.actor, input)),
  deleteMember: userProcedure
    .input(BulkRequest(ProjectsDeleteMemberItem))
    .mutation(({ ctx, input }) => ctx.services.projects.deleteMember(ctx.actor, input)),
  createGroup: userProcedure
    .input(BulkRequest(ProjectsCreateGroupItem))
    .mutation(({ ctx, input }) => ctx.services.projects.createGroup(ctx.actor, input)),
  addGroupMember: userProcedure
    .input(BulkRequest(ProjectsGroupMemberItem))
    .mutation(({ ctx, input }) => ctx.services.projects.addGroupMember(ctx.actor, input)),
  deleteGroupMember: userProcedure
    .input(BulkRequest(ProjectsGroupMemberItem))
    .mutation(({ ctx, input }) => ctx.services.projects.deleteGroupMember(ctx.actor, input)),
});

const accountingRouter = t.router({
  /** The caller's wallets in their current workspace (personal, or the project of the Project header). */
  browseWallets: userProcedure
    .input(BrowseWalletsRequest)
    .query(({ ctx, input }) => ctx.services.accounting.browseWallets(ctx.actor, input)),
  /** Administrators only: quota from the root. */
  rootAllocate: userProcedure
    .input(BulkRequest(RootAllocateItem))
    .mutation(({ ctx, input }) => ctx.services.accounting.rootAllocate(ctx.actor, input)),
  subAllocate: userProcedure
    .input(BulkRequest(SubAllocateItem))
    .mutation(({ ctx, input }) => ctx.services.accounting.subAllocate(ctx.actor, input)),
  updateAllocation: userProcedure
    .input(BulkRequest(UpdateAllocationItem))
    .mutation(({ ctx, input }) => ctx.services.accounting.updateAllocation(ctx.actor, input)),
  retrieveJobUsage: userProcedure
    .input(JobUsageRequest)
    .query(({ ctx, input }) => ctx.services.accounting.retrieveJobUsage(ctx.actor, input)),
});

const licensesRouter = t.router({
  create: userProcedure
    .input(BulkRequest(LicensesCreateItem))
    .mutation(({ ctx, input }) => ctx.services.licenses.create(ctx.actor, input)),
  retrieve: userProcedure
    .input(FindByStringId)
    .query(({ ctx, input }) => ctx.services.licenses.retrieve(ctx.actor, input)),
  browse: userProcedure
    .input(LicensesBrowseRequest)
    .query(({ ctx, input }) => ctx.services.licenses.browse(ctx.actor, input)),
  delete: userProcedure
    .input(BulkRequest(FindByStringId))
    .mutation(({ ctx, input }) => ctx.services.licenses.delete(ctx.actor, input)),
  browseProducts: userProcedure.query(({ ctx }) => ctx.services.licenses.browseProducts(ctx.actor)),
});

/** Administrators manage users; every user their own tokens (administrators anyone's). */
const usersRouter = t.router({
  create: userProcedure
    .input(BulkRequest(UsersCreateItem))
    .mutation(({ ctx, input }) => ctx.services.accounts.createUsers(ctx.actor, input)),
  browse: userProcedure.query(({ ctx }) => ctx.services.accounts.browseUsers(ctx.actor)),
  disable: userProcedure
    .input(BulkRequest(UsernameItem))
    .mutation(({ ctx, input }) => ctx.services.accounts.disableUsers(ctx.actor, input)),
});

const tokensRouter = t.router({
  issue: userProcedure
    .input(BulkRequest(TokensIssueItem))
    .mutation(({ ctx, input }) => ctx.services.accounts.issueTokens(ctx.actor, input)),
  browse: userProcedure
    .input(TokensBrowseRequest)
    .query(({ ctx, input }) => ctx.services.accounts.browseTokens(ctx.actor, input)),
  revoke: userProcedure
    .input(BulkRequest(FindByStringId))
    .mutation(({ ctx, input }) => ctx.services.accounts.revokeTokens(ctx.actor, input)),
});

export const appRouter = t.router({
  jobs: jobsRouter,
  licenses: licensesRouter,
  accounting: accountingRouter,
  projects: projectsRouter,
  control: controlRouter,
  catalog: catalogRouter,
  users: usersRouter,
  tokens: tokensRouter,
});

export type AppRouter = typeof appRouter;
export const createCallerFactory = t.createCallerFactory;
