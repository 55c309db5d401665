import { errorHandlers, type HttpError } from '@ucloud/contracts';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';

/**
 * The orchestrator's answers to calls that failed outside a procedure (or on the REST face), in
 * the shape of the face they were made to; what the caller is not told goes to the log.
 */
export const { replyWithError, replyNotFound, answerMalformedRequest } = errorHandlers({
  envelope: (error, request) =>
    request.url.startsWith('/trpc') ? trpcEnvelope(error) : error.body,
});

const TRPC_CODES: Partial<Record<string, number>> = TRPC_ERROR_CODES_BY_KEY;

/** The tRPC error envelope, for what Fastify refuses before tRPC runs (a body over 16 MB). */
const trpcEnvelope = ({ status, body: { why, errorCode } }: HttpError) => ({
  error: {
    message: why,
    code: TRPC_CODES[errorCode ?? 'BAD_REQUEST'] ?? -32600,
    data: { code: errorCode, httpStatus: status, why },
  },
});
