import websocket, { type WebSocket } from '@fastify/websocket';
import {
  ApiError,
  badRequest,
  conflict,
  errorMessage,
  toHttpError,
  type ApiContext,
} from '@ucloud/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RawData } from 'ws';
import type { HttpDeps } from './server.js';
import { FOLLOWER_HIGH_WATER_BYTES, wsMessageFrame } from './follow-frames.js';
import { frameJson } from './message-json.js';
import { PendingWrites } from './pending-writes.js';
import { readRequestFrame, type ServerFrame, type SocketRequest } from './ws-envelope.js';
import { followOverSocket } from './ws-follow.js';

/** Where UCloud's clients open their WebSocket to the Jobs API. */
export const JOB_SOCKET_PATH = '/api/jobs';
/** Larger frames close the socket (1009): a request envelope is a few hundred bytes. */
export const MAX_FRAME_BYTES = 1024 * 1024;
/** Open streams per socket: each holds a follower, and a socket costs its client little. */
export const MAX_STREAMS_PER_SOCKET = 64;
/** How long shutdown waits for streams to send their last frame (a client that reads nothing). */
const SHUTDOWN_GRACE_MS = 5_000;

/**
 * The socket at /api/jobs, UCloud's request envelope with several streams on one socket. The
 * upgrade needs no token: each request carries its bearer and project, resolved as the REST
 * face resolves its Authorization and Project headers.
 */
export async function registerJobSocket(scope: FastifyInstance, deps: HttpDeps): Promise<void> {
  const open = new Set<Promise<void>>();
  const contextOf = async ({ bearer, project }: SocketRequest): Promise<ApiContext> => {
    const actor = await deps.authenticate(
      bearer ? `Bearer ${bearer}` : undefined,
      project ?? undefined,
    );
    // A refused token ends the request with its reason, as on the REST face.
    if (actor instanceof ApiError) throw actor;
    return { actor, services: deps.services };
  };
  await scope.register(websocket, {
    options: { maxPayload: MAX_FRAME_BYTES },
    // The orchestrator aborts every follower before it closes the server: their 503 frames go
    // out before the sockets close.
    preClose: async () => {
      await Promise.race([
        Promise.allSettled(open),
        sleep(SHUTDOWN_GRACE_MS, null, { ref: false }),
      ]);
      for (const client of scope.websocketServer.clients)
        client.close(1001, 'The server is shutting down');
    },
    // What fails on an open socket is the client's doing (a frame over the limit, broken
    // framing); ws has already begun closing it with the matching code.
    errorHandler: (error, socket, request) => {
      request.log.debug({ err: errorMessage(error) }, 'WebSocket closed on a protocol error');
      if (socket.readyState === socket.OPEN) socket.terminate();
    },
  });
  scope.route({
    method: 'GET',
    url: JOB_SOCKET_PATH,
    exposeHeadRoute: false,
    config: { public: true },
    handler: () => {
      throw badRequest(`${JOB_SOCKET_PATH} is a WebSocket: connect with Upgrade: websocket`);
    },
    wsHandler: (socket, request) => serveSocket(socket, request, contextOf, deps, open),
  });
}

const sent = Promise.resolve();

function serveSocket(
  socket: WebSocket,
  request: FastifyRequest,
  contextOf: (request: SocketRequest) => Promise<ApiContext>,
  deps: HttpDeps,
  open: Set<Promise<void>>,
): void {
  const streams = new Map<string, AbortController>();
  // Without permessage-deflate (the server offers none) a message frame's bytes are the same for
  // every client, so they are built once and queued for the socket under ws (TLS under HTTPS).
  const raw = request.raw.socket;
  // Nothing after ws has begun closing (its close frame is the last).
  const isOpen = () => socket.readyState === socket.OPEN;
  const pending = socket.extensions === '' ? new PendingWrites(raw, isOpen) : null;
  const send = (frame: ServerFrame): Promise<void> => {
    if (frame.type === 'message' && pending) {
      // What ws would do for a socket no longer open: send nothing.
      if (!isOpen()) return sent;
      const bytes = wsMessageFrame(frame.streamId, frame.payload);
      if (socket.bufferedAmount + pending.bytes + bytes.length < FOLLOWER_HIGH_WATER_BYTES) {
        pending.push(bytes);
        return sent;
      }
      pending.flush();
      return new Promise((resolve) => raw.write(bytes, () => resolve()));
    }
    // Whatever ws sends goes after the frames queued before it.
    pending?.flush();
    return new Promise<void>((resolve) => {
      socket.send(frameJson(frame), () => resolve());
      if (socket.bufferedAmount < FOLLOWER_HIGH_WATER_BYTES) resolve();
    });
  };
  const refuse = (streamId: string | null, error: ApiError) => {
    const { status, body } = toHttpError(error);
    void send({ type: 'response', streamId, status, payload: body });
  };

  /** Why a stream cannot open now, if it cannot. */
  const refusalOf = (streamId: string): ApiError | null =>
    streams.has(streamId)
      ? conflict(`streamId: stream ${streamId} is still open on this socket`)
      : streams.size >= MAX_STREAMS_PER_SOCKET
        ? new ApiError(
            'TOO_MANY_REQUESTS',
            `streamId: at most ${MAX_STREAMS_PER_SOCKET} streams may be open on one socket`,
          )
        : null;

  const start = (request: SocketRequest) => {
    const refusal = refusalOf(request.streamId);
    if (refusal) {
      refuse(request.streamId, refusal);
      return;
    }
    const gone = new AbortController();
    streams.set(request.streamId, gone);
    const stream = followOverSocket(request, contextOf, gone.signal, send, deps.log).finally(() => {
      streams.delete(request.streamId);
      open.delete(stream);
    });
    open.add(stream);
  };

  socket.on('message', (data: RawData) => {
    const read = readRequestFrame(textOf(data));
    if (read.ok) start(read.request);
    else refuse(read.streamId, read.error);
  });
  socket.on('close', () => {
    for (const stream of streams.values()) stream.abort();
  });
}

const textOf = (data: RawData) =>
  (Buffer.isBuffer(data)
    ? data
    : Array.isArray(data)
      ? Buffer.concat(data)
      : Buffer.from(data)
  ).toString('utf8');
