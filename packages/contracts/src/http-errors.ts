import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { ZodError } from 'zod';
import {
  ApiError,
  clipMessage,
  type CommonErrorMessage,
  describeIssues,
  ERROR_HTTP_STATUS,
  type ErrorCode,
  INTERNAL_ERROR_MESSAGE,
} from './errors.js';

/** An HTTP answer to a failed call: the status and the spec's CommonErrorMessage. */
export interface HttpError {
  status: number;
  body: CommonErrorMessage;
}

/**
 * Maps anything thrown while serving a call to an HTTP status and `{ why, errorCode }`. Only the
 * services' typed errors (ApiError, also inside a TRPCError) and the caller's own mistakes (zod
 * errors, a web framework's 4xx refusals: anything with a 4xx `statusCode`) are told; anything
 * else is a 500 whose `why` is `internalMessage` (the caller logs the detail). `why` is clipped.
 */
export function toHttpError(
  error: unknown,
  internalMessage: string = INTERNAL_ERROR_MESSAGE,
): HttpError {
  const told = classify(error);
  if (!told)
    return { status: 500, body: { why: internalMessage, errorCode: 'INTERNAL_SERVER_ERROR' } };
  return { status: told.status, body: { why: clipMessage(told.why), errorCode: told.errorCode } };
}

interface Told {
  status: number;
  why: string;
  errorCode: string;
}

function classify(error: unknown): Told | null {
  if (error instanceof TRPCError) {
    if (error.cause instanceof ApiError) return classify(error.cause);
    const status = getHTTPStatusCodeFromError(error);
    // An output that fails its schema is a 500 with a ZodError cause: not the caller's to read.
    if (status >= 500) return null;
    if (error.cause instanceof ZodError) return classify(error.cause);
    return { status, why: error.message, errorCode: error.code };
  }
  if (error instanceof ApiError)
    return { status: error.httpStatus, why: error.message, errorCode: error.code };
  if (error instanceof ZodError)
    return { status: 400, why: describeIssues(error.issues), errorCode: 'BAD_REQUEST' };
  // A web framework's own refusals (Fastify: a body over the limit, an undecodable URL,
  // malformed JSON) carry their status as `statusCode`.
  if (typeof error === 'object' && error !== null && 'statusCode' in error) {
    const status = error.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const why = error instanceof Error ? error.message : `Refused (${status})`;
      return { status, why, errorCode: statusErrorCode(status) ?? 'BAD_REQUEST' };
    }
  }
  return null;
}

/** How the 4xx statuses a web framework answers with are named in `errorCode` (tRPC's names where it has one). */
export const STATUS_NAMES: Partial<Record<number, string>> = {
  400: 'BAD_REQUEST',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_SUPPORTED',
  408: 'TIMEOUT',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  431: 'REQUEST_HEADER_FIELDS_TOO_LARGE',
};

/**
 * The raw HTTP answer to a request too malformed to be routed (request line and headers over
 * 16 KB, broken HTTP): still a CommonErrorMessage, and the connection closes.
 */
export function malformedRequestAnswer(error: { code?: string }): string {
  const [status, reason, why] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'The request line and headers exceed 16 KB']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'The request did not arrive in time']
        : [400, 'Bad Request', 'The request is not valid HTTP/1.1'];
  const body = JSON.stringify({ why, errorCode: STATUS_NAMES[status] });
  const head = `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nConnection: close`;
  return `${head}\r\nContent-Length: ${new TextEncoder().encode(body).length}\r\n\r\n${body}`;
}

const ERROR_CODE_OF_STATUS = new Map<number, ErrorCode>(
  Object.entries(ERROR_HTTP_STATUS).map(([code, status]) => [status, code as ErrorCode]),
);

/**
 * How an HTTP status is named in `errorCode`: the ErrorCode with that status, or tRPC's name of
 * a status only web frameworks answer with (`PAYLOAD_TOO_LARGE`); null for other statuses.
 */
export function statusErrorCode(status: number): string | null {
  return ERROR_CODE_OF_STATUS.get(status) ?? STATUS_NAMES[status] ?? null;
}

/**
 * The ErrorCode to give a caller when a call this server made for it to another service (a
 * provider's gateway) failed with HTTP `status`, or got no answer (`null`). What the other side
 * says about the request is passed on (404, 409 and 429 as such, any other 4xx as BAD_REQUEST);
 * unreachable or unavailable (503) is SERVICE_UNAVAILABLE, to try again later; any other 5xx is
 * BAD_GATEWAY.
 */
export function relayedErrorCode(status: number | null): ErrorCode {
  if (status === null || status === 503) return 'SERVICE_UNAVAILABLE';
  if (status === 404) return 'NOT_FOUND';
  if (status === 409) return 'CONFLICT';
  if (status === 429) return 'TOO_MANY_REQUESTS';
  return status < 500 ? 'BAD_REQUEST' : 'BAD_GATEWAY';
}

/** The 404 for a call no route serves. */
export function noSuchCall(method: string, url: string): HttpError {
  return {
    status: 404,
    body: { why: clipMessage(`No such call: ${method} ${url}`), errorCode: 'NOT_FOUND' },
  };
}

/** What the error handlers read of a request; Fastify's FastifyRequest is one. */
export interface FailedRequest {
  method: string;
  url: string;
  log: {
    error(details: object, message: string): void;
    warn(details: object, message: string): void;
    debug(details: object, message: string): void;
  };
}

/** How the error handlers answer; Fastify's FastifyReply is one. */
export interface ErrorReply {
  code(status: number): { send(payload?: unknown): unknown };
}

export interface ErrorHandlerOptions {
  /** The `why` of a 500 (default "Internal server error"). */
  internalMessage?: string;
  /** The body to send, for a face with an envelope of its own (tRPC); default the CommonErrorMessage. */
  envelope?: (error: HttpError, request: FailedRequest) => unknown;
}

/**
 * An HTTP server's answers to failures in the spec's shape, duck-typed to Fastify without
 * depending on it: `replyWithError` for `setErrorHandler` and `frameworkErrors` (refusals before
 * routing), `replyNotFound` for `setNotFoundHandler`, and `answerMalformedRequest` for
 * `clientErrorHandler` (requests too broken to route). A 500 is logged with the error, another
 * 5xx as a warning, a refusal at debug level.
 */
export function errorHandlers(options: ErrorHandlerOptions = {}) {
  const envelope = options.envelope ?? ((error: HttpError) => error.body);
  return {
    replyWithError: (error: unknown, request: FailedRequest, reply: ErrorReply): unknown => {
      const answer = toHttpError(error, options.internalMessage);
      const { status, body } = answer;
      if (status === 500) request.log.error({ err: error, url: request.url }, 'request failed');
      else if (status > 500)
        request.log.warn({ status, why: body.why, url: request.url }, 'request failed');
      else request.log.debug({ status, why: body.why }, 'request refused');
      return reply.code(status).send(envelope(answer, request));
    },
    replyNotFound: (request: FailedRequest, reply: ErrorReply): unknown => {
      const { status, body } = noSuchCall(request.method, request.url);
      return reply.code(status).send(body);
    },
    answerMalformedRequest: (
      error: { code?: string },
      socket: { writable: boolean; end(data: string): unknown },
    ): void => {
      if (socket.writable) socket.end(malformedRequestAnswer(error));
    },
  };
}
