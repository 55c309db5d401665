import { ApiError, errorHandlers } from '@ucloud/contracts';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Logger } from 'pino';
import type { ServerTls } from './config.js';

const { replyWithError, replyNotFound, answerMalformedRequest } = errorHandlers({
  internalMessage: 'Internal error in the provider gateway',
});

/** Bulk requests carry whole jobs with their resolved applications; allow a generous body. */
const BODY_LIMIT_BYTES = 32 * 1024 * 1024;

/**
 * A client that stops reading a stream early is how a follow ends normally (the orchestrator
 * stops following a job's logs once the job has ended): debug, not Fastify's info line.
 */
class GatewayLogController extends LogController {
  override streamError(error: Error, request: FastifyRequest, reply: FastifyReply): void {
    if ('code' in error && error.code === 'ERR_STREAM_PREMATURE_CLOSE') {
      if (!this.isLogDisabled(request)) reply.log.debug('client stopped reading the stream');
    } else {
      super.streamError(error, request, reply);
    }
  }
}

/**
 * A Fastify instance that speaks the JobsProvider conventions: bearer-token auth on every request,
 * JSON bodies whatever the Content-Type claims (the spec's own curl examples send
 * `Content-Type: content-type: application/json; charset=utf-8`), errors as `{ why, errorCode }`.
 */
export function createHttpServer(
  providerToken: () => string,
  tls: ServerTls | null,
  logger: Logger,
): FastifyInstance {
  const httpLogger: FastifyBaseLogger = logger.child({ component: 'http' });
  const app = Fastify({
    // An https.Server is an http.Server to Fastify and to the WebSocket upgrades.
    serverFactory: (handler) => (tls ? createHttpsServer(tls, handler) : createServer(handler)),
    loggerInstance: httpLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    logController: new GatewayLogController(),
    // Refusals before routing (an undecodable URL, headers over 16 KB) answer in the spec's shape too.
    frameworkErrors: replyWithError,
    clientErrorHandler: answerMalformedRequest,
  });

  // Dropping the declared type sends every body to the one JSON parser below (and spares the
  // spec's malformed header a 415). Browsers' requests (web sessions) keep theirs: the
  // application they reach reads it.
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.public !== true) delete request.raw.headers['content-type'];
  });
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') done(null, undefined);
    // The default parser answers through `done`; its type also allows the promise form.
    else void parseJson(request, body as string, done);
  });

  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.public === true) return;
    const presented = digest(request.headers.authorization ?? '');
    if (!timingSafeEqual(presented, digest(`Bearer ${providerToken()}`))) {
      throw new ApiError('UNAUTHORIZED', 'A valid provider bearer token is required');
    }
  });

  app.setErrorHandler(replyWithError);

  app.setNotFoundHandler(replyNotFound);
  return app;
}

/** Comparing fixed-size digests keeps the comparison constant-time whatever the lengths. */
const digest = (value: string) => createHash('sha256').update(value).digest();
