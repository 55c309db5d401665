import { once } from 'node:events';
import { connect, type NetConnectOpts } from 'node:net';
import { type SessionStream } from './backend.js';
import { FailedPreconditionError } from './errors.js';

/**
 * A session stream to a server in a rank (a web application's port, a VM's VNC socket). When
 * nothing answers there, FailedPrecondition with `refusal` (the user's words), not the socket's
 * error, which names addresses the user has no use for.
 */
export async function connectToRank(to: NetConnectOpts, refusal: string): Promise<SessionStream> {
  const socket = connect(to);
  try {
    await once(socket, 'connect');
  } catch {
    socket.destroy();
    throw new FailedPreconditionError(refusal);
  }
  return { stream: socket };
}
