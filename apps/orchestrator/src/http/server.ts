import {
  ApiError,
  appRouter,
  type Actor,
  type ApiContext,
  type Services,
  type SignInOptions,
} from '@ucloud/contracts';
import fastifyStatic from '@fastify/static';
import { fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import Fastify, { LogController, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { answerMalformedRequest, replyWithError } from './errors.js';
import { registerRestRoutes } from './rest.js';
import { registerSignInRoute } from './sign-in.js';
import { isWebAppRequest, webAppDirectory, webAppFallback, webAppFiles } from './web-app.js';
import { registerJobSocket } from './ws-socket.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Served without a bearer token: a health check, or a socket whose requests carry theirs. */
    public?: boolean;
  }
}

export interface HttpDeps {
  /** PEM certificate and key: every face is served over HTTPS (and WSS). null: plain HTTP. */
  tls?: { cert: Buffer; key: Buffer } | null;
  services: Services;
  /**
   * null when no token was sent; an ApiError when the one sent is refused (auth/authenticator.ts).
   * A promise when the token's check needs I/O (an identity provider's keys).
   */
  authenticate(
    authorization: string | undefined,
    project: string | undefined,
  ): Actor | ApiError | null | Promise<Actor | ApiError>;
  /** What the sign-in page offers besides a token (an identity provider's sign-in); none by default. */
  signInOptions?: () => Promise<SignInOptions>;
  log: Logger;
}

/**
 * One HTTP server for every face: tRPC under /trpc (batching + SSE subscriptions), the spec's
 * REST routes, UCloud's WebSocket envelope at /api/jobs, and the web interface at /.
 */
export async function buildHttpServer(deps: HttpDeps) {
  const app = Fastify({
    // Typed as the plain HTTP server: routes and hooks are the same either way.
    ...((deps.tls ? { https: deps.tls } : {}) as object),
    loggerInstance: deps.log,
    bodyLimit: 16 * 1024 * 1024,
    // tRPC batches put every procedure name in one path segment (`/trpc/jobs.retrieve,jobs.retrieve,…`).
    routerOptions: { maxParamLength: 10_000 },
    logController: new LogController({ disableRequestLogging: true }),
    // Refusals before routing (an undecodable URL, headers over 16 KB) answer in the spec's shape too.
    frameworkErrors: replyWithError,
    clientErrorHandler: answerMalformedRequest,
  });
  // Before the plugins register: they inherit it (Fastify's own refusals inside tRPC's scope).
  app.setErrorHandler(replyWithError);
  const actors = new WeakMap<FastifyRequest, Actor>();
  app.addHook('onRequest', async (request) => {
    const actor = await deps.authenticate(
      request.headers.authorization,
      headerValue(request.headers.project),
    );
    if (actor !== null && !(actor instanceof ApiError)) actors.set(request, actor);
    // No body is read for a caller without a valid token: parsing 16 MB of JSON holds about ten
    // times that in memory, which nobody may make the orchestrator do anonymously.
    else if (request.routeOptions.config.public !== true && !isWebAppRequest(request))
      throw actor ?? new ApiError('UNAUTHORIZED', 'A valid bearer token is required');
  });
  const contextOf = (request: FastifyRequest): ApiContext => ({
    actor: actors.get(request) ?? null,
    services: deps.services,
  });

  await app.register(fastifyTRPCPlugin, {
    prefix: '/trpc',
    trpcOptions: {
      router: appRouter,
      createContext: ({ req }: { req: FastifyRequest }) => contextOf(req),
      onError: ({ error, path }: { error: Error & { code?: string }; path?: string }) => {
        if (error.code === 'INTERNAL_SERVER_ERROR')
          deps.log.error({ err: error, path }, 'tRPC call failed');
      },
    },
  });
  await app.register(async (scope) => registerRestRoutes(scope, contextOf));
  await app.register(async (scope) => registerJobSocket(scope, deps));
  app.get('/healthz', { config: { public: true } }, async () => ({ ok: true }));
  const signInOptions = deps.signInOptions ?? (async () => ({ oidc: null }));
  await app.register(async (scope) => registerSignInRoute(scope, signInOptions));
  // Calls that reach no route still answer in the spec's CommonErrorMessage shape; other pages
  // are the web interface's own routes.
  const webApp = webAppDirectory();
  if (webApp !== null) await app.register(fastifyStatic, webAppFiles(webApp));
  app.setNotFoundHandler(webAppFallback(webApp));
  return app;
}

const headerValue = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
