import { isTrackedEnvelope } from '@trpc/server';
import { appRouter, toHttpError, type ApiContext } from '@ucloud/contracts';
import type { Logger } from 'pino';
import { FOLLOW_ENDED, type ServerFrame, type SocketRequest } from './ws-envelope.js';

export type SendFrame = (frame: ServerFrame) => Promise<void>;

/**
 * One `jobs.follow` stream of a socket. It calls the procedure the SSE and tRPC faces call, so
 * authorisation, validation and errors are theirs: the job's stored updates first, then what
 * happens, as `message` frames; then a `response`, 200 once the job has ended and all of its
 * output was sent, else the error's status and CommonErrorMessage (503 when the orchestrator shuts
 * down: follow again). Nothing more is sent once the client has gone (`gone`).
 */
export async function followOverSocket(
  request: SocketRequest,
  contextOf: (request: SocketRequest) => Promise<ApiContext>,
  gone: AbortSignal,
  send: SendFrame,
  log: Logger,
): Promise<void> {
  const { streamId } = request;
  try {
    const events = await appRouter
      .createCaller(await contextOf(request), { signal: gone })
      .jobs.follow({ id: request.payload.id, lastEventId: null });
    for await (const event of events) {
      // A server-side caller gets the generator's tracked envelopes ([id, data]) as they are,
      // though tRPC types them as its clients see them ({ id, data }).
      if (!isTrackedEnvelope<typeof event.data>(event))
        throw new Error('jobs.follow yielded an event without an id');
      await send({ type: 'message', streamId, payload: event[1] });
    }
    // The follow also ends quietly when its client goes: that is no end of the job.
    if (!gone.aborted)
      await send({ type: 'response', streamId, status: 200, payload: FOLLOW_ENDED });
  } catch (e) {
    if (gone.aborted) return;
    const { status, body } = toHttpError(e);
    // A 503 is expected (shutdown, or a provider that is down, which the follower logs itself).
    if (status >= 500 && status !== 503)
      log.error({ err: e, streamId, jobId: request.payload.id }, 'follow over WebSocket failed');
    await send({ type: 'response', streamId, status, payload: body });
  }
}
