import { ApiError } from '@ucloud/contracts';
import { SessionType } from '@ucloud/provider-proto';
import { parse as parseCookies, serialize as serializeCookie } from 'cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { type Duplex, pipeline } from 'node:stream';
import type { LiveSessions } from './live-sessions.js';
import type { PluginClient } from './plugin-client.js';
import { admit, type AdmissionDeps } from './session-admission.js';
import { openSessionStream } from './session-stream.js';
import {
  answerOnSocket,
  endToEnd,
  type Forward,
  forwardRequest,
  forwardUpgrade,
} from './web-proxy.js';

/** The cookie that holds a browser's web session; scoped to the session's path. */
export const WEB_COOKIE = 'ucloud-web';

export interface WebSessionDeps extends AdmissionDeps {
  providerId: string;
  live: LiveSessions;
  /** The gateway's address as users' browsers reach it. */
  publicUrl: () => string;
}

/** Where a rank's web application appears: everything under it is the application's. */
export const webPrefix = (providerId: string, jobId: string, rank: number) =>
  `/ucloud/${encodeURIComponent(providerId)}/web/${encodeURIComponent(jobId)}/${rank}`;

/** A URL under a web session's prefix, taken apart. */
interface WebTarget {
  provider: string;
  jobId: string;
  rank: number;
  prefix: string;
  /** What follows the prefix: the path and query the application sees ('' without a slash). */
  rest: string;
}

const WEB_URL = /^(\/ucloud\/([^/?]+)\/web\/([^/?]+)\/(\d+))(\/.*|\?.*)?$/;

function webTarget(url: string): WebTarget | null {
  const match = WEB_URL.exec(url);
  if (!match) return null;
  const [, prefix = '', provider = '', jobId = '', rank = '', rest = ''] = match;
  try {
    const decoded = {
      provider: decodeURIComponent(provider),
      jobId: decodeURIComponent(jobId),
    };
    return { ...decoded, rank: Number(rank), prefix, rest };
  } catch {
    return null;
  }
}

interface WebSession {
  id: string;
  plugin: PluginClient;
  jobId: string;
  rank: number;
  /** The application's connections open for this session: closed with it. */
  connections: Set<Duplex>;
}

const forbidden = (why: string) => new ApiError('FORBIDDEN', why);

/**
 * Web applications' sessions, reverse-proxied to the rank through the plugin's ConnectSession.
 * The session link carries the ticket, which the first request exchanges (once, as the
 * orchestrator allows) for a cookie scoped to the session's path; later requests, and the
 * application's own WebSockets, need that cookie. Each is passed on with the prefix stripped,
 * over a connection of its own. The session is one of the LiveSessions: when it closes (the job
 * ended, the user lost EDIT) the cookie stops working and its connections are cut.
 */
export class WebSessions {
  private readonly byCookie = new Map<string, WebSession>();

  constructor(private readonly deps: WebSessionDeps) {}

  /** The routes of web sessions (every method). WebSocket upgrades arrive at `upgrade`. */
  register(app: FastifyInstance): void {
    void app.register(async (scope) => {
      // The application reads the body, whatever its type: it is passed on unparsed.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
      const handle = (request: FastifyRequest, reply: FastifyReply) => this.handle(request, reply);
      const config = { public: true };
      scope.all('/ucloud/:provider/web/:jobId/:rank', { config }, handle);
      scope.all('/ucloud/:provider/web/:jobId/:rank/*', { config }, handle);
    });
  }

  /** Whether an upgrade request is one of the web sessions'. */
  serves(url: string | undefined): boolean {
    return webTarget(url ?? '') !== null;
  }

  /** A WebSocket of the application's: passed on with the session's cookie, refused without. */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const refuse = (err: unknown) => {
      const error = asApiError(err);
      const body = JSON.stringify({ why: error.message, errorCode: error.code });
      answerOnSocket(socket, error.httpStatus, body);
    };
    try {
      const target = this.target(request.url ?? '');
      const session = this.authorize(request.headers.cookie, target);
      forwardUpgrade(request, socket, head, this.forward(request, target, session), refuse);
    } catch (err) {
      refuse(err);
    }
  }

  private async handle(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const target = this.target(request.url);
    const url = new URL(target.rest, 'http://gateway');
    const ticket = url.searchParams.get('ticket');
    if (ticket !== null) {
      url.searchParams.delete('ticket');
      const cookie = await this.open(ticket, target);
      const secure = new URL(this.deps.publicUrl()).protocol === 'https:';
      const options = {
        path: `${target.prefix}/`,
        httpOnly: true,
        sameSite: 'lax',
        secure,
      } as const;
      await reply
        .header('set-cookie', serializeCookie(WEB_COOKIE, cookie, options))
        .redirect(`${target.prefix}${url.pathname}${url.search}`, 303);
      return;
    }
    // Relative links of the application resolve under the prefix only with the slash.
    if (!target.rest.startsWith('/')) {
      await reply.redirect(`${target.prefix}/${target.rest}`, 308);
      return;
    }
    const session = this.authorize(request.headers.cookie, target);
    const response = await forwardRequest(
      request.raw,
      this.forward(request.raw, target, session),
    ).catch((err: unknown) => {
      throw asApiError(err);
    });
    reply.hijack();
    reply.raw.writeHead(response.statusCode ?? 502, endToEnd(response.headers));
    pipeline(response, reply.raw, () => undefined);
  }

  private target(url: string): WebTarget {
    const target = webTarget(url);
    if (target?.provider !== this.deps.providerId)
      throw new ApiError('NOT_FOUND', `This gateway serves provider ${this.deps.providerId}`);
    return target;
  }

  /** Exchanges a ticket for a new session's cookie. */
  private async open(ticket: string, target: WebTarget): Promise<string> {
    const { plugin, session } = await admit(this.deps, ticket, 'WEB');
    if (session.jobId !== target.jobId || session.rank !== target.rank)
      throw forbidden('This session link is for another job or rank');
    const cookie = randomBytes(32).toString('base64url');
    const { sessionId: id, jobId, rank } = session;
    const web: WebSession = { id, plugin, jobId, rank, connections: new Set() };
    this.byCookie.set(cookie, web);
    this.deps.live.add({
      id,
      jobId,
      close: () => {
        this.byCookie.delete(cookie);
        for (const connection of web.connections) connection.destroy();
      },
    });
    return cookie;
  }

  /** The session the request's cookie names, if it is one of this job and rank; else FORBIDDEN. */
  private authorize(cookies: string | undefined, target: WebTarget): WebSession {
    const value = parseCookies(cookies ?? '')[WEB_COOKIE];
    const session = value === undefined ? undefined : this.byCookie.get(value);
    if (!session)
      throw forbidden(
        'No web session: open it from UCloud again (the link is used once; a session ends with its job)',
      );
    if (session.jobId !== target.jobId || session.rank !== target.rank)
      throw forbidden('This web session is for another job or rank');
    return session;
  }

  /** The request as the application gets it, over a new connection of the session's. */
  private forward(request: IncomingMessage, target: WebTarget, session: WebSession): Forward {
    const { headers } = request;
    const client = request.socket.remoteAddress;
    const forwardedFor = [headers['x-forwarded-for'], client].filter(Boolean).join(', ');
    return {
      path: target.rest,
      headers: {
        ...headers,
        cookie: withoutWebCookie(headers.cookie),
        'x-forwarded-prefix': target.prefix,
        'x-forwarded-proto': new URL(this.deps.publicUrl()).protocol.slice(0, -1),
        'x-forwarded-host': headers.host,
        'x-forwarded-for': forwardedFor || undefined,
      },
      connect: () => {
        const { jobId, rank } = session;
        const stream = openSessionStream(session.plugin, {
          jobId,
          rank,
          sessionType: SessionType.SESSION_TYPE_WEB,
          size: undefined,
        });
        session.connections.add(stream);
        stream.once('close', () => session.connections.delete(stream));
        return stream;
      },
    };
  }
}

/** The Cookie header without the gateway's cookie, which is not the application's business. */
function withoutWebCookie(header: string | undefined): string | undefined {
  const kept = (header ?? '')
    .split(';')
    .map((pair) => pair.trim())
    .filter((pair) => pair !== '' && pair.split('=', 1)[0]?.trim() !== WEB_COOKIE);
  return kept.length > 0 ? kept.join('; ') : undefined;
}

/** A failure as the user sees it: the plugin's or gateway's reason, or the application's silence. */
function asApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const why = err instanceof Error ? err.message : String(err);
  return new ApiError('BAD_GATEWAY', `The web application did not answer: ${why}`);
}
