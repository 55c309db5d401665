import websocket, { type WebSocket } from '@fastify/websocket';
import type { ServiceError } from '@grpc/grpc-js';
import { ApiError } from '@ucloud/contracts';
import { SessionType } from '@ucloud/provider-proto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { PluginCallError } from './errors.js';
import type { SessionTicket, SessionTickets } from './session-tickets.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Reached by users' browsers, not the orchestrator: no provider token (a ticket instead). */
    public?: boolean;
  }
}

/** Where a user's VNC-over-WebSocket client connects, for a ticket. */
export const vncPath = (providerId: string, token: string) =>
  `/ucloud/${encodeURIComponent(providerId)}/vnc/${token}`;

/** Bytes the browser has not yet taken, above which the plugin's stream waits. */
const HIGH_WATER_BYTES = 4 * 1024 * 1024;

/**
 * The WebSockets of the sessions the gateway serves itself: VNC (what noVNC speaks: RFB in binary
 * frames). The ticket in the path is redeemed before the upgrade (403 otherwise); then the bytes
 * are relayed to the plugin's ConnectSession until either side ends. The socket closes 1000 when
 * the rank's side ends (the job ended), 4000 + the HTTP status when the plugin refuses (4409: the
 * job does not run).
 */
export function registerSessionSockets(
  app: FastifyInstance,
  deps: { providerId: string; tickets: SessionTickets; logger: Logger },
): void {
  void app.register(async (scope) => {
    await scope.register(websocket, { options: { maxPayload: 1024 * 1024 } });
    sessionRoutes(scope, deps);
  });
}

function sessionRoutes(
  app: FastifyInstance,
  deps: { providerId: string; tickets: SessionTickets; logger: Logger },
): void {
  const redeemed = new WeakMap<FastifyRequest, SessionTicket>();
  app.get<{ Params: { provider: string; token: string } }>(
    '/ucloud/:provider/vnc/:token',
    {
      websocket: true,
      config: { public: true },
      preValidation: async (request) => {
        const ticket =
          request.params.provider === deps.providerId
            ? deps.tickets.redeem(request.params.token)
            : null;
        if (ticket?.kind !== 'VNC')
          throw new ApiError(
            'FORBIDDEN',
            'This session link is not valid: it was used already, has expired, or was never issued. Open the session again.',
          );
        redeemed.set(request, ticket);
      },
    },
    (socket, request) => {
      const ticket = redeemed.get(request);
      if (ticket) relay(socket, ticket, deps.logger);
    },
  );
}

function relay(socket: WebSocket, ticket: SessionTicket, logger: Logger): void {
  const { plugin, jobId, rank } = ticket;
  const call = plugin.connectSession();
  call.write({
    input: { $case: 'open', value: { jobId, rank, sessionType: SessionType.SESSION_TYPE_VNC } },
  });
  socket.on('message', (data: Buffer) => {
    if (!call.write({ input: { $case: 'data', value: data } })) socket.pause();
  });
  call.on('drain', () => socket.resume());
  call.on('data', (out: { data: Buffer }) => {
    socket.send(out.data, { binary: true }, () => {
      if (socket.bufferedAmount < HIGH_WATER_BYTES) call.resume();
    });
    if (socket.bufferedAmount >= HIGH_WATER_BYTES) call.pause();
  });
  call.on('end', () => socket.close(1000, 'The session has ended'));
  call.on('error', (err: ServiceError) => {
    const error = new PluginCallError(plugin.name, 'ConnectSession', err);
    logger.debug({ jobId, rank, err: error.message }, 'session stream refused or failed');
    socket.close(4000 + error.httpStatus, closeReason(error.message));
  });
  socket.on('close', () => call.cancel());
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
