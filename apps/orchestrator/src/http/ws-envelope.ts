import {
  type ApiError,
  badRequest,
  describeIssues,
  errorMessage,
  JobsFollowRequest,
  notFound,
  type JobsFollowResponse,
} from '@ucloud/contracts';
import { z } from 'zod';

/** Short: it is repeated in every frame of its stream. */
const StreamId = z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters');

/**
 * UCloud's WebSocket request envelope. Its clients also send `causedBy` and `signedIntent`, which
 * mean nothing here: unknown envelope keys are ignored; the payload is as strict as on REST.
 */
const Envelope = z.object({
  call: z.string(),
  streamId: StreamId,
  bearer: z.string().nullish(),
  project: z.string().nullish(),
  payload: z.unknown(),
});

/** The calls served over the socket, with the payload each takes. */
const CALLS = {
  'jobs.follow': Envelope.extend({ call: z.literal('jobs.follow'), payload: JobsFollowRequest }),
};

export type SocketRequest = z.infer<(typeof CALLS)[keyof typeof CALLS]>;

/** A frame read from a client: a request, or why it is refused (for its stream when it names one). */
export type ReadFrame =
  { ok: true; request: SocketRequest } | { ok: false; streamId: string | null; error: ApiError };

export function readRequestFrame(text: string): ReadFrame {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return refused(null, badRequest(`The frame is not valid JSON: ${errorMessage(e)}`));
  }
  const envelope = Envelope.safeParse(json);
  if (!envelope.success) return refused(streamIdOf(json), invalid(envelope.error));
  const { call, streamId } = envelope.data;
  if (!isCall(call))
    return refused(
      streamId,
      notFound(
        `call: no call ${JSON.stringify(call)} on this socket (it serves ${Object.keys(CALLS).join(', ')})`,
      ),
    );
  const request = CALLS[call].safeParse(json);
  return request.success
    ? { ok: true, request: request.data }
    : refused(streamId, invalid(request.error));
}

const isCall = (call: string): call is keyof typeof CALLS => Object.hasOwn(CALLS, call);

const invalid = (error: z.ZodError) => badRequest(describeIssues(error.issues));

const refused = (streamId: string | null, error: ApiError): ReadFrame => ({
  ok: false,
  streamId,
  error,
});

/** The stream an invalid envelope names, so that its refusal reaches the right caller. */
function streamIdOf(json: unknown): string | null {
  const id = z.object({ streamId: StreamId }).safeParse(json);
  return id.success ? id.data.streamId : null;
}

/** What the server sends: messages of a stream, then one response that ends it. */
export type ServerFrame =
  | { type: 'message'; streamId: string; payload: JobsFollowResponse }
  | { type: 'response'; streamId: string | null; status: number; payload: unknown };

/**
 * The payload of a follow's successful end: an empty JobsFollowResponse, the call's response
 * type, so that a typed UCloud client decodes it like the messages.
 */
export const FOLLOW_ENDED: JobsFollowResponse = { updates: [], log: [], newStatus: null };
