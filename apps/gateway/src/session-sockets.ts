import websocket, { type WebSocket } from '@fastify/websocket';
import type { ServiceError } from '@grpc/grpc-js';
import { ApiError } from '@ucloud/contracts';
import { SessionType, type TerminalSize } from '@ucloud/provider-proto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { PluginCallError } from './errors.js';
import type { LiveSessions } from './live-sessions.js';
import { admit, type Admitted } from './session-admission.js';
import type { JobsControl } from './orchestrator-client.js';
import type { SessionTickets } from './session-tickets.js';
import { parseShellFrame, shellMessage, shellResponse, type ShellRequest } from './shell-frames.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Reached by users' browsers, not the orchestrator: no provider token (a ticket instead). */
    public?: boolean;
  }
}

export interface SessionSocketDeps {
  providerId: string;
  tickets: SessionTickets;
  control: Pick<JobsControl, 'redeemSession'>;
  live: LiveSessions;
  logger: Logger;
  /** Where the upgrade requests of these sockets arrive (not every upgrade the server gets). */
  upgrades: Server;
}

/** Where a user's VNC-over-WebSocket client connects, for a ticket. */
export const vncPath = (providerId: string, ticket: string) =>
  `/ucloud/${encodeURIComponent(providerId)}/vnc/${ticket}`;

/** Where a user's shell client connects (UCloud's shell protocol, the ticket in `initialize`). */
export const shellPath = (providerId: string) =>
  `/ucloud/${encodeURIComponent(providerId)}/websocket`;

/** Bytes the browser has not yet taken, above which the plugin's stream waits. */
const HIGH_WATER_BYTES = 4 * 1024 * 1024;

const SESSION_TYPES = { SHELL: SessionType.SESSION_TYPE_SHELL, VNC: SessionType.SESSION_TYPE_VNC };

/**
 * The WebSockets of the sessions the gateway serves itself, relayed to the plugin's
 * ConnectSession: VNC (what noVNC speaks: RFB in binary frames; the ticket is in the path and is
 * redeemed before the upgrade, 403 otherwise) and shells (UCloud's shell protocol, the ticket as
 * the `sessionIdentifier` of `initialize`). A ticket opens once, as the orchestrator allows
 * (redeemSession); the session is then one of the LiveSessions, closed by its rules.
 */
export function registerSessionSockets(app: FastifyInstance, deps: SessionSocketDeps): void {
  void app.register(async (scope) => {
    await scope.register(websocket, {
      options: { maxPayload: 1024 * 1024, server: deps.upgrades },
    });
    vncRoute(scope, deps);
    shellRoute(scope, deps);
  });
}

/** What a socket does with the plugin's side of a session. */
interface Sink {
  send(data: Buffer, sent: () => void): void;
  bufferedAmount(): number;
  /** The plugin's side ended (normally: null) or refused/failed (the HTTP status and why). */
  finish(failure: { status: number; reason: string } | null): void;
}

/** The plugin's side of an admitted session, registered with the live sessions. */
function connect(
  deps: SessionSocketDeps,
  { plugin, session }: Admitted,
  size: TerminalSize | undefined,
  sink: Sink,
  closeSocket: (reason: string) => void,
) {
  const call = plugin.connectSession();
  const { jobId, rank, sessionId } = session;
  const sessionType = SESSION_TYPES[session.sessionType === 'VNC' ? 'VNC' : 'SHELL'];
  call.write({ input: { $case: 'open', value: { jobId, rank, sessionType, size } } });
  deps.live.add({ id: sessionId, jobId, close: closeSocket });
  call.on('data', (out: { data: Buffer }) => {
    sink.send(out.data, () => {
      if (sink.bufferedAmount() < HIGH_WATER_BYTES) call.resume();
    });
    if (sink.bufferedAmount() >= HIGH_WATER_BYTES) call.pause();
  });
  call.on('end', () => {
    deps.live.ended(sessionId, 'The session has ended');
    sink.finish(null);
  });
  call.on('error', (err: ServiceError) => {
    const error = new PluginCallError(plugin.name, 'ConnectSession', err);
    deps.logger.debug({ jobId, rank, err: error.message }, 'session stream refused or failed');
    deps.live.ended(sessionId, error.message);
    sink.finish({ status: error.httpStatus, reason: error.message });
  });
  return {
    write: (data: Buffer) => call.write({ input: { $case: 'data', value: data } }),
    resize: (cols: number, rows: number) =>
      call.write({ input: { $case: 'resize', value: { cols, rows } } }),
    drain: (resume: () => void) => call.once('drain', resume),
    /** The user left. */
    leave: () => {
      deps.live.ended(sessionId, 'The user closed the session');
      call.cancel();
    },
  };
}

function vncRoute(app: FastifyInstance, deps: SessionSocketDeps): void {
  const admitted = new WeakMap<FastifyRequest, Admitted>();
  app.get<{ Params: { provider: string; ticket: string } }>(
    '/ucloud/:provider/vnc/:ticket',
    {
      websocket: true,
      config: { public: true },
      preValidation: async (request) => {
        if (request.params.provider !== deps.providerId)
          throw new ApiError('NOT_FOUND', `This gateway serves provider ${deps.providerId}`);
        admitted.set(request, await admit(deps, request.params.ticket, 'VNC'));
      },
    },
    (socket, request) => {
      const session = admitted.get(request);
      if (session) relayVnc(socket, deps, session);
    },
  );
}

function relayVnc(socket: WebSocket, deps: SessionSocketDeps, admitted: Admitted): void {
  const stream = connect(
    deps,
    admitted,
    undefined,
    {
      send: (data, sent) => socket.send(data, { binary: true }, sent),
      bufferedAmount: () => socket.bufferedAmount,
      finish: (failure) =>
        failure
          ? socket.close(4000 + failure.status, closeReason(failure.reason))
          : socket.close(1000, 'The session has ended'),
    },
    (reason) => socket.close(1000, closeReason(reason)),
  );
  socket.on('message', (data: Buffer) => {
    if (!stream.write(data)) {
      socket.pause();
      stream.drain(() => socket.resume());
    }
  });
  socket.on('close', () => stream.leave());
}

function shellRoute(app: FastifyInstance, deps: SessionSocketDeps): void {
  app.get<{ Params: { provider: string } }>(
    '/ucloud/:provider/websocket',
    { websocket: true, config: { public: true } },
    (socket, request) => {
      if (request.params.provider !== deps.providerId) {
        socket.close(4404, `This gateway serves provider ${deps.providerId}`);
        return;
      }
      relayShell(socket, deps);
    },
  );
}

/**
 * UCloud's shell protocol: the client's first request is `initialize` (the ticket as
 * `sessionIdentifier`, the terminal's size); then `input` and `resize`. Terminal output goes back
 * as `data` messages; the end of the shell as a `response` frame, after which the socket closes.
 */
function relayShell(socket: WebSocket, deps: SessionSocketDeps): void {
  let stream: ReturnType<typeof connect> | null = null;
  let streamId: string | null = null;
  /** Requests that came while the session was being opened: they follow once it is. */
  let waiting: ShellRequest[] | null = null;
  const decoder = new TextDecoder();
  const respond = (status: number, payload: unknown, reason: string) => {
    socket.send(shellResponse(streamId, status, payload), () =>
      socket.close(status === 200 ? 1000 : 4000 + status, closeReason(reason)),
    );
  };
  const relay = (open: NonNullable<typeof stream>, request: ShellRequest) => {
    if (request.payload.type === 'input') {
      if (!open.write(Buffer.from(request.payload.data))) {
        socket.pause();
        open.drain(() => socket.resume());
      }
    } else if (request.payload.type === 'resize') {
      open.resize(request.payload.cols, request.payload.rows);
    }
  };
  const initialize = (request: ShellRequest) => {
    if (request.payload.type !== 'initialize') {
      const why = 'payload.type: the first request must be "initialize"';
      respond(400, { why, errorCode: 'BAD_REQUEST' }, why);
      return;
    }
    streamId = request.streamId;
    waiting = [];
    const { sessionIdentifier, cols, rows } = request.payload;
    const size = cols && rows ? { cols, rows } : undefined;
    admit(deps, sessionIdentifier, 'SHELL').then(
      (admitted) => {
        const open = connect(
          deps,
          admitted,
          size,
          {
            send: (data, sent) =>
              socket.send(
                shellMessage(streamId, {
                  type: 'data',
                  data: decoder.decode(data, { stream: true }),
                }),
                sent,
              ),
            bufferedAmount: () => socket.bufferedAmount,
            finish: (failure) =>
              failure
                ? respond(
                    failure.status,
                    { why: failure.reason, errorCode: 'SESSION_FAILED' },
                    failure.reason,
                  )
                : respond(200, { type: 'ack' }, 'The shell has ended'),
          },
          (reason) => respond(200, { type: 'ack' }, reason),
        );
        stream = open;
        socket.send(shellMessage(streamId, { type: 'initialize' }));
        for (const queued of waiting ?? []) relay(open, queued);
        waiting = null;
      },
      (err: unknown) => {
        const error =
          err instanceof ApiError ? err : new ApiError('BAD_GATEWAY', 'Could not open the session');
        respond(error.httpStatus, { why: error.message, errorCode: error.code }, error.message);
      },
    );
  };

  socket.on('message', (raw: Buffer) => {
    const frame = parseShellFrame(raw, deps.providerId);
    if (!frame.ok) {
      respond(400, { why: frame.why, errorCode: 'BAD_REQUEST' }, frame.why);
      return;
    }
    if (stream) relay(stream, frame.request);
    else if (waiting) waiting.push(frame.request);
    else initialize(frame.request);
  });
  socket.on('close', () => stream?.leave());
}

/** A close frame's reason holds at most 123 bytes. */
function closeReason(text: string): string {
  const bytes = Buffer.from(text);
  return bytes.length <= 123
    ? text
    : `${bytes
        .subarray(0, 120)
        .toString()
        .replace(/\uFFFD$/, '')}...`;
}
