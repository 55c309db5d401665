import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/** What is scraped: a prom-client Registry fits. */
export interface Scrapable {
  metrics(): Promise<string>;
  contentType: string;
}

export interface MetricsListener {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` on a port of its own, without a token: who may scrape is decided by where
 * it listens (loopback or a private interface) and what is in front of it, so nothing changes on
 * the public port. Over HTTPS when `tls` is given (the part's own certificate). Used by the
 * orchestrator and the gateways.
 */
export async function listenForScrapes(
  registry: Scrapable,
  at: { host: string; port: number },
  tls: { cert: Buffer; key: Buffer } | null,
  /** Where a failed collection goes (the part's log); the scraper gets a 500 without its detail. */
  onError: (err: unknown) => void,
): Promise<MetricsListener> {
  const handler = (request: IncomingMessage, response: ServerResponse) => {
    void answer(registry, request, response, onError);
  };
  const server = tls ? createHttpsServer(tls, handler) : createServer(handler);
  server.listen(at.port, at.host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const host = at.host.includes(':') ? `[${at.host}]` : at.host;
  return {
    url: `${tls ? 'https' : 'http'}://${host}:${port}/metrics`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function answer(
  registry: Scrapable,
  request: IncomingMessage,
  response: ServerResponse,
  onError: (err: unknown) => void,
) {
  const path = new URL(request.url ?? '/', 'http://metrics').pathname;
  if (path !== '/metrics') {
    plain(response, 404, 'Not found: metrics are at /metrics\n');
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    plain(response, 405, 'Only GET\n', { allow: 'GET, HEAD' });
    return;
  }
  try {
    const body = await registry.metrics();
    response.writeHead(200, { 'content-type': registry.contentType });
    response.end(request.method === 'HEAD' ? undefined : body);
  } catch (err) {
    onError(err);
    plain(response, 500, 'Collecting metrics failed: see the log\n');
  }
}

function plain(
  response: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
) {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  response.end(text);
}
