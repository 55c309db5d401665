import { ApiError, clipMessage, malformedRequestAnswer } from '@ucloud/contracts';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import { toHttpError } from './errors.js';

/** Bulk requests carry whole jobs with their resolved applications; allow a generous body. */
const BODY_LIMIT_BYTES = 32 * 1024 * 1024;

/**
 * A Fastify instance that speaks the JobsProvider conventions: bearer-token auth on every request,
 * JSON bodies whatever the Content-Type claims (the spec's own curl examples send
 * `Content-Type: content-type: application/json; charset=utf-8`), errors as `{ why, errorCode }`.
 */
export function createHttpServer(providerToken: string, logger: Logger): FastifyInstance {
  const httpLogger: FastifyBaseLogger = logger.child({ component: 'http' });
  const app = Fastify({
    loggerInstance: httpLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    // Refusals before routing (an undecodable URL, headers over 16 KB) answer in the spec's shape too.
    frameworkErrors: replyWithError,
    clientErrorHandler: (error, socket) => {
      if (socket.writable) socket.end(malformedRequestAnswer(error as { code?: string }));
    },
  });

  // Dropping the declared type sends every body to the one JSON parser below (and spares the
  // spec's malformed header a 415).
  app.addHook('onRequest', async (request) => {
    delete request.raw.headers['content-type'];
  });
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, undefined);
    parseJson(request, body as string, done);
  });

  const expected = digest(`Bearer ${providerToken}`);
  app.addHook('onRequest', async (request) => {
    const presented = digest(request.headers.authorization ?? '');
    if (!timingSafeEqual(presented, expected)) {
      throw new ApiError('UNAUTHORIZED', 'A valid provider bearer token is required');
    }
  });

  app.setErrorHandler(replyWithError);

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      why: clipMessage(`No such call: ${request.method} ${request.url}`),
      errorCode: 'NOT_FOUND',
    }),
  );
  return app;
}

function replyWithError(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const { status, body } = toHttpError(error);
  // Expected failures (bad input, a plugin down) are the caller's news; only surprises get a stack.
  if (status === 500) request.log.error({ err: error }, 'request failed');
  else if (status >= 500) request.log.warn({ status, why: body.why }, 'request failed');
  else request.log.debug({ status, why: body.why }, 'request rejected');
  return reply.code(status).send({ ...body, why: clipMessage(body.why) });
}

/** Comparing fixed-size digests keeps the comparison constant-time whatever the lengths. */
const digest = (value: string) => createHash('sha256').update(value).digest();
