import {
  ApiError,
  clipMessage,
  describeIssues,
  INTERNAL_ERROR_MESSAGE,
  STATUS_NAMES,
  type CommonErrorMessage,
} from '@ucloud/contracts';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';

const INTERNAL = {
  status: 500,
  body: { why: INTERNAL_ERROR_MESSAGE, errorCode: 'INTERNAL_SERVER_ERROR' },
};

/**
 * Maps anything thrown while serving a REST call to an HTTP status and the spec's
 * CommonErrorMessage. Only the services' typed errors and the caller's own mistakes are told;
 * anything else is a 500 with a generic message (the caller logs the detail).
 */
export function toHttpError(error: unknown): HttpError {
  const { status, body } = classify(error);
  return { status, body: { ...body, why: clipMessage(body.why) } };
}

interface HttpError {
  status: number;
  body: CommonErrorMessage;
}

function classify(error: unknown): HttpError {
  if (error instanceof TRPCError) {
    if (error.cause instanceof ApiError) return classify(error.cause);
    const status = getHTTPStatusCodeFromError(error);
    if (status >= 500) return INTERNAL;
    if (error.cause instanceof ZodError) return classify(error.cause);
    return { status, body: { why: error.message, errorCode: error.code } };
  }
  if (error instanceof ApiError)
    return { status: error.httpStatus, body: { why: error.message, errorCode: error.code } };
  if (error instanceof ZodError)
    return { status: 400, body: { why: describeIssues(error.issues), errorCode: 'BAD_REQUEST' } };
  // Fastify's own refusals: a body over 16 MB, an undecodable URL, malformed JSON.
  const status = (error as { statusCode?: number }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const errorCode = STATUS_NAMES[status] ?? 'BAD_REQUEST';
    return { status, body: { why: (error as Error).message, errorCode } };
  }
  return INTERNAL;
}

/**
 * Answers a call that failed outside a procedure (or on the REST face), in the shape of the face
 * it was made to; what the caller is not told goes to the log.
 */
export function replyWithError(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const { status, body } = toHttpError(error);
  if (status >= 500) request.log.error({ err: error, url: request.url }, 'request failed');
  return reply
    .status(status)
    .send(request.url.startsWith('/trpc') ? trpcShape(status, body) : body);
}

/** The tRPC error envelope, for what Fastify refuses before tRPC runs (a body over 16 MB). */
const trpcShape = (httpStatus: number, { why, errorCode }: CommonErrorMessage) => ({
  error: {
    message: why,
    code: TRPC_ERROR_CODES_BY_KEY[errorCode as keyof typeof TRPC_ERROR_CODES_BY_KEY] ?? -32600,
    data: { code: errorCode, httpStatus, why },
  },
});
