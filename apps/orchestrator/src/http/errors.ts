import {
  ApiError,
  describeIssues,
  INTERNAL_ERROR_MESSAGE,
  type CommonErrorMessage,
} from '@ucloud/contracts';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
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
export function toHttpError(error: unknown): { status: number; body: CommonErrorMessage } {
  if (error instanceof TRPCError) {
    if (error.cause instanceof ApiError) return toHttpError(error.cause);
    const status = getHTTPStatusCodeFromError(error);
    if (status >= 500) return INTERNAL;
    if (error.cause instanceof ZodError) return toHttpError(error.cause);
    return { status, body: { why: error.message, errorCode: error.code } };
  }
  if (error instanceof ApiError)
    return { status: error.httpStatus, body: { why: error.message, errorCode: error.code } };
  if (error instanceof ZodError)
    return { status: 400, body: { why: describeIssues(error.issues), errorCode: 'BAD_REQUEST' } };
  const status = (error as { statusCode?: number }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, body: { why: (error as Error).message, errorCode: 'BAD_REQUEST' } };
  }
  return INTERNAL;
}

/** Answers a failed REST call; what the caller is not told goes to the log. */
export function replyWithError(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const { status, body } = toHttpError(error);
  if (status >= 500) request.log.error({ err: error, url: request.url }, 'request failed');
  return reply.status(status).send(body);
}
