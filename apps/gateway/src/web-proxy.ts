import {
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  request as httpRequest,
  STATUS_CODES,
} from 'node:http';
import type { Duplex } from 'node:stream';

/** Where a request goes: its path and headers as the application sees them, and the connection. */
export interface Forward {
  path: string;
  headers: IncomingHttpHeaders;
  /** A new connection to the application (one per request or WebSocket). */
  connect: () => Duplex;
}

/** Headers about one connection rather than the message, which a proxy does not pass on. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** `headers` without the hop-by-hop ones, including those its Connection header names. */
export function endToEnd(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = new Set(
    (headers.connection ?? '').split(',').map((name) => name.trim().toLowerCase()),
  );
  return Object.fromEntries(
    Object.entries(headers).filter(
      ([name, value]) => value !== undefined && !HOP_BY_HOP.has(name) && !named.has(name),
    ),
  );
}

/**
 * Sends `request` (its body streamed) to the application; resolves with the application's
 * response, rejects when the connection fails before one arrives.
 */
export function forwardRequest(request: IncomingMessage, to: Forward): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const upstream = httpRequest({
      method: request.method,
      path: to.path,
      headers: endToEnd(to.headers),
      createConnection: to.connect,
    });
    upstream.once('response', resolve);
    upstream.once('error', reject);
    request.pipe(upstream);
  });
}

/**
 * Passes an upgrade request (a WebSocket of the application's) on: once the application switches
 * protocols, bytes flow both ways until either side closes. An application that answers
 * otherwise has its answer passed back; `failed` answers a connection that fails before.
 */
export function forwardUpgrade(
  request: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  to: Forward,
  failed: (err: Error) => void,
): void {
  const upstream = httpRequest({
    method: request.method,
    path: to.path,
    headers: { ...endToEnd(to.headers), connection: 'upgrade', upgrade: to.headers.upgrade },
    createConnection: to.connect,
  });
  upstream.once('upgrade', (response, app, appHead) => {
    socket.write(headBlock(response));
    app.on('error', () => socket.destroy());
    app.once('close', () => socket.destroy());
    socket.once('close', () => app.destroy());
    if (appHead.length > 0) socket.write(appHead);
    if (head.length > 0) app.write(head);
    app.pipe(socket).pipe(app);
  });
  upstream.once('response', (response) => {
    socket.write(headBlock(response, { connection: 'close' }));
    response.pipe(socket);
  });
  upstream.once('error', failed);
  socket.once('close', () => upstream.destroy());
  upstream.end();
}

/** Answers on a raw socket (an upgrade request refused) and closes it. */
export function answerOnSocket(socket: Duplex, status: number, body: string): void {
  const headers = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    connection: 'close',
  };
  socket.end(statusLine(status) + headerLines(Object.entries(headers)) + '\r\n' + body);
}

/**
 * The status line and headers of `response` as sent on: all of them for a switch of protocols,
 * the end-to-end ones (and `extra`) otherwise, the body then running until the socket closes.
 */
function headBlock(response: IncomingMessage, extra?: Record<string, string>): string {
  const status = response.statusCode ?? 502;
  const pairs: Array<[string, string]> = [];
  const raw = response.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const [name = '', value = ''] = raw.slice(i, i + 2);
    const lower = name.toLowerCase();
    if (extra && (HOP_BY_HOP.has(lower) || lower === 'content-length')) continue;
    pairs.push([name, value]);
  }
  return statusLine(status) + headerLines([...pairs, ...Object.entries(extra ?? {})]) + '\r\n';
}

const statusLine = (status: number) => `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n`;

const headerLines = (pairs: Array<[string, string]>) =>
  pairs.map(([name, value]) => `${name}: ${value}\r\n`).join('');
