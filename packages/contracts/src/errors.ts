/**
 * Errors every face shares. Services throw ApiError; the tRPC face turns it into a TRPCError
 * with the same code, the REST face into the matching HTTP status and the spec's
 * CommonErrorMessage body (`{ "why": …, "errorCode": … }`).
 */
export const ERROR_HTTP_STATUS = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  PAYMENT_REQUIRED: 402,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  UNPROCESSABLE_CONTENT: 422,
  TOO_MANY_REQUESTS: 429,
  INTERNAL_SERVER_ERROR: 500,
  BAD_GATEWAY: 502,
  SERVICE_UNAVAILABLE: 503,
} as const;
export type ErrorCode = keyof typeof ERROR_HTTP_STATUS;

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
  get httpStatus(): number {
    return ERROR_HTTP_STATUS[this.code];
  }
}

export const badRequest = (message: string) => new ApiError('BAD_REQUEST', message);
export const notFound = (message: string) => new ApiError('NOT_FOUND', message);
export const conflict = (message: string) => new ApiError('CONFLICT', message);
export const forbidden = (message: string) => new ApiError('FORBIDDEN', message);
export const paymentRequired = (message: string) => new ApiError('PAYMENT_REQUIRED', message);
export const serviceUnavailable = (message: string) => new ApiError('SERVICE_UNAVAILABLE', message);

/** What a caller reads of a failure that is not theirs to fix; the details go to the server's log. */
export const INTERNAL_ERROR_MESSAGE = 'Internal server error';

/** The spec's CommonErrorMessage. */
export interface CommonErrorMessage {
  why: string;
  errorCode: string | null;
}

/**
 * An error message cut to `max` characters: it names the offending field first, and must not
 * echo back megabytes of the caller's input (a 16 MB body of unknown keys, a huge id).
 */
export function clipMessage(message: string, max = 1000): string {
  return message.length <= max
    ? message
    : `${message.slice(0, max)}… (${message.length - max} more characters)`;
}

/** Formats zod issues as `items[0].parameters.var: expected string, received number` lines. */
export function describeIssues(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>,
): string {
  return issues
    .slice(0, 10)
    .map((issue) => {
      const path = issue.path
        .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
        .join('');
      return clipMessage(path ? `${path}: ${issue.message}` : issue.message, 200);
    })
    .join('; ');
}

/** An error's message with those of its causes (`fetch failed: connect ECONNREFUSED …`). */
export function errorMessage(error: unknown): string {
  const messages: string[] = [];
  for (let e: unknown = error; e !== undefined && messages.length < 5;) {
    const message = e instanceof Error ? e.message : describe(e);
    if (!messages.some((m) => m.includes(message))) messages.push(message);
    e = e instanceof Error ? e.cause : undefined;
  }
  return messages.join(': ');
}

/** A thrown value that is not an Error, as text. */
function describe(value: unknown): string {
  if (typeof value === 'object' && value !== null) {
    try {
      return JSON.stringify(value);
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
  return String(value);
}
