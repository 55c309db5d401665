import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { providerRoutes } from '@ucloud/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { FakeOrchestrator } from './testing/fake-orchestrator.js';
import { FakePlugin, fakeProduct } from './testing/fake-plugin.js';
import {
  PROVIDER_ID,
  type RunningGateway,
  startGateway,
  TOKEN,
  waitFor,
} from './testing/harness.js';
import { fakeJob } from './testing/jobs.js';

const routes = providerRoutes(PROVIDER_ID);

/** What the test's web application saw of a request. */
interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A web application that answers each request with what it saw, and echoes WebSocket messages. */
async function startWebApp(): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const { method = '', url = '', headers } = request;
      response.setHeader('set-cookie', ['app=1; Path=/', 'other=2; Path=/']);
      response.end(JSON.stringify({ method, url, headers, body } satisfies Seen));
    });
  });
  new WebSocketServer({ server }).on('connection', (socket) =>
    socket.on('message', (data: Buffer) => socket.send(`echo ${data.toString()}`)),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

describe('web sessions through the gateway', () => {
  let plugin: FakePlugin;
  let orchestrator: FakeOrchestrator;
  let gw: RunningGateway;
  let app: Server;

  beforeAll(async () => {
    plugin = await FakePlugin.start({
      name: 'native',
      products: [fakeProduct('example-compute-1')],
    });
    const web = await startWebApp();
    app = web.server;
    plugin.webAppPort = web.port;
    orchestrator = await FakeOrchestrator.start(TOKEN, PROVIDER_ID);
    gw = await startGateway([plugin], orchestrator.url, { sessionCheckMs: 50 });
    await waitFor(() => [...gw.gateway.pumps.values()].every((p) => p.state === 'live'), 'plugin');
  });
  afterAll(async () => {
    await gw.stop();
    await plugin.stop();
    await orchestrator.stop();
    app.closeAllConnections();
    app.close();
  });

  /** Opens a web session as the orchestrator would: its link, with the ticket. */
  const open = async (jobId: string, rank = 0, username = 'user') => {
    const ticket = randomBytes(24).toString('base64url');
    const sessionId = `s-${ticket.slice(0, 6)}`;
    orchestrator.state.sessions.set(ticket, {
      sessionId,
      jobId,
      rank,
      sessionType: 'WEB',
      username,
    });
    const res = await gw.call(routes.openInteractiveSession, {
      items: [{ job: fakeJob(jobId), rank, sessionType: 'WEB', ticket }],
    });
    expect(res.status).toBe(200);
    const { responses } = (await res.json()) as { responses: Array<{ redirectClientTo: string }> };
    return { link: responses[0]!.redirectClientTo, ticket, sessionId };
  };

  /** Follows a session link: the cookie it sets and where it leads. */
  const enter = async (link: string) => {
    const res = await fetch(link, { redirect: 'manual' });
    expect(res.status).toBe(303);
    const cookie = res.headers.get('set-cookie') ?? '';
    return {
      cookie: cookie.split(';')[0]!,
      setCookie: cookie,
      location: new URL(res.headers.get('location') ?? '', link).toString(),
    };
  };

  const get = (
    url: string,
    cookie?: string,
    init: { method?: string; headers?: Record<string, string>; body?: string } = {},
  ) => fetch(url, { ...init, headers: { ...(cookie && { cookie }), ...init.headers } });

  it('exchanges the ticket for a cookie scoped to the session, then proxies with the prefix stripped', async () => {
    const { link, ticket } = await open('51');
    const prefix = `/ucloud/${PROVIDER_ID}/web/51/0`;
    expect(link).toBe(`${gw.url}${prefix}/?ticket=${ticket}`);
    const entered = await enter(link);
    expect(entered.location).toBe(`${gw.url}${prefix}/`);
    expect(entered.setCookie).toMatch(
      new RegExp(`^ucloud-web=[\\w-]{43}; Path=${prefix}/; HttpOnly; SameSite=Lax$`),
    );

    const res = await get(`${gw.url}${prefix}/api/x?y=1`, `theme=dark; ${entered.cookie}`);
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toEqual(['app=1; Path=/', 'other=2; Path=/']);
    const seen = (await res.json()) as Seen;
    expect(seen).toMatchObject({ method: 'GET', url: '/api/x?y=1' });
    expect(seen.headers).toMatchObject({
      cookie: 'theme=dark',
      'x-forwarded-prefix': prefix,
      'x-forwarded-proto': 'http',
      'x-forwarded-host': new URL(gw.url).host,
    });

    const posted = await get(`${gw.url}${prefix}/form`, entered.cookie, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'not JSON at all',
    });
    expect((await posted.json()) as Seen).toMatchObject({
      method: 'POST',
      url: '/form',
      body: 'not JSON at all',
      headers: { 'content-type': 'text/plain' },
    });
    expect(plugin.sessions.at(-1)).toMatchObject({ jobId: '51', rank: 0 });
  });

  it('refuses a used ticket, no cookie, and a cookie of another job or rank, before opening a stream', async () => {
    const { link } = await open('52');
    const { cookie, location } = await enter(link);
    const again = await fetch(link, { redirect: 'manual' });
    expect(again.status).toBe(403);
    expect(await again.json()).toMatchObject({ errorCode: 'FORBIDDEN' });

    const other = await enter((await open('53', 0, 'someone-else')).link);
    const streams = plugin.sessions.length;
    for (const [url, presented] of [
      [location, undefined],
      [location, 'ucloud-web=forged'],
      [location, other.cookie],
      [location.replace('/52/0/', '/52/1/'), cookie],
    ] as const) {
      const res = await get(url, presented);
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ errorCode: 'FORBIDDEN' });
    }
    expect(plugin.sessions.length).toBe(streams);
  });

  it('sends a link without its trailing slash to the prefix with one', async () => {
    const res = await fetch(`${gw.url}/ucloud/${PROVIDER_ID}/web/52/0?a=b`, { redirect: 'manual' });
    expect(res.status).toBe(308);
    expect(res.headers.get('location')).toBe(`/ucloud/${PROVIDER_ID}/web/52/0/?a=b`);
  });

  it("passes the application's WebSockets on with the cookie, and refuses them without", async () => {
    const { link } = await open('54');
    const { cookie, location } = await enter(link);
    const wsUrl = location.replace('http:', 'ws:') + 'socket';

    const refused = new WebSocket(wsUrl);
    const [, response] = (await once(refused, 'unexpected-response')) as [
      unknown,
      { statusCode: number },
    ];
    expect(response.statusCode).toBe(403);

    const socket = new WebSocket(wsUrl, { headers: { cookie } });
    await once(socket, 'open');
    socket.send('hello');
    const [reply] = (await once(socket, 'message')) as [Buffer];
    expect(reply.toString()).toBe('echo hello');
    socket.close();
  });

  it('closes a session the orchestrator says must close: its WebSockets end, its cookie stops working', async () => {
    const { link, sessionId } = await open('55');
    const { cookie, location } = await enter(link);
    const socket = new WebSocket(location.replace('http:', 'ws:'), { headers: { cookie } });
    await once(socket, 'open');
    orchestrator.state.toClose.push({ id: sessionId, reason: 'The job has ended' });
    await once(socket, 'close');
    expect((await get(location, cookie)).status).toBe(403);
    expect(orchestrator.state.closed).toContainEqual({
      id: sessionId,
      reason: 'The job has ended',
    });
  });
});
