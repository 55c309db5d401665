import { ApiError, describeIssues, type CommonErrorMessage } from '@ucloud/contracts';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { ZodError } from 'zod';

/** Maps anything thrown while serving a REST call to an HTTP status and the spec's CommonErrorMessage. */
export function toHttpError(error: unknown): { status: number; body: CommonErrorMessage } {
  if (error instanceof TRPCError) {
    if (error.cause instanceof ApiError) return toHttpError(error.cause);
    if (error.cause instanceof ZodError) return toHttpError(error.cause);
    return {
      status: getHTTPStatusCodeFromError(error),
      body: { why: error.message, errorCode: error.code },
    };
  }
  if (error instanceof ApiError)
    return { status: error.httpStatus, body: { why: error.message, errorCode: error.code } };
  if (error instanceof ZodError)
    return { status: 400, body: { why: describeIssues(error.issues), errorCode: 'BAD_REQUEST' } };
  const status = (error as { statusCode?: number }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, body: { why: (error as Error).message, errorCode: 'BAD_REQUEST' } };
  }
  return {
    status: 500,
    body: { why: 'Internal server error', errorCode: 'INTERNAL_SERVER_ERROR' },
  };
}
