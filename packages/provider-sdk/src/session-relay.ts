import { once } from 'node:events';
import { type ServerDuplexStream } from '@grpc/grpc-js';
import { SessionType, type SessionInput, type SessionOutput } from '@ucloud/provider-proto';
import { type Logger } from 'pino';
import { type ComputeBackend, type SessionKind, type SessionTarget } from './backend.js';
import { InvalidArgumentError, toServiceError, UnsupportedError } from './errors.js';
import { requireJobId } from './wire.js';

export const SESSION_KINDS: Partial<Record<SessionType, SessionKind>> = {
  [SessionType.SESSION_TYPE_SHELL]: 'SHELL',
  [SessionType.SESSION_TYPE_WEB]: 'WEB',
  [SessionType.SESSION_TYPE_VNC]: 'VNC',
};

export function sessionKind(type: SessionType): SessionKind {
  const kind = SESSION_KINDS[type];
  if (!kind) throw new InvalidArgumentError('session_type must be SHELL, WEB or VNC');
  return kind;
}

type SessionCall = ServerDuplexStream<SessionInput, SessionOutput>;

/**
 * ConnectSession: reads the `open` message, asks the backend for the rank's byte stream, then
 * relays both ways with backpressure until either side ends. `signal` (the server closing) ends
 * the session too.
 */
export async function relaySession(
  backend: ComputeBackend,
  call: SessionCall,
  logger: Logger,
  signal: AbortSignal,
): Promise<void> {
  const input: AsyncIterator<SessionInput> = call[Symbol.asyncIterator]();
  // Aborted once the rank's side is gone: nothing more can be relayed.
  const gone = new AbortController();
  try {
    const target = await openOf(input);
    if (!backend.connectSession)
      throw new UnsupportedError(`Plugin ${backend.name} serves no session streams`);
    const session = await backend.connectSession(target);
    const { stream } = session;
    const close = () => stream.destroy();
    signal.addEventListener('abort', close, { once: true });
    call.on('cancelled', close);

    // From the rank to the user.
    stream.on('data', (chunk: Buffer) => {
      if (!call.write({ data: chunk })) stream.pause();
    });
    call.on('drain', () => stream.resume());
    stream.on('error', (err) => logger.debug({ err, ...target }, 'session stream failed'));
    // The rank's side has ended (the shell exited, the VNC server closed): so has the session.
    stream.on('end', close);
    stream.on('close', () => {
      gone.abort();
      signal.removeEventListener('abort', close);
      if (!call.cancelled && !call.writableEnded) call.end();
    });

    // From the user to the rank, until they leave.
    for (let next = await input.next(); next.done !== true; next = await input.next()) {
      const message = next.value.input;
      if (message?.$case === 'data') {
        if (!stream.write(message.value)) await once(stream, 'drain', { signal: gone.signal });
      } else if (message?.$case === 'resize') {
        session.resize?.(message.value);
      }
    }
    stream.end();
  } catch (err) {
    if (gone.signal.aborted || call.cancelled || call.writableEnded) return;
    call.emit('error', toServiceError(err, logger, 'ConnectSession'));
  }
}

async function openOf(input: AsyncIterator<SessionInput>): Promise<SessionTarget> {
  const first = await input.next();
  const open = first.done === true ? undefined : first.value.input;
  if (open?.$case !== 'open') throw new InvalidArgumentError('The first message must be `open`');
  const { jobId, rank, sessionType, size } = open.value;
  return {
    jobId: requireJobId(jobId),
    rank,
    kind: sessionKind(sessionType),
    size: size ?? null,
  };
}
