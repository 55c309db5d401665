import {
  notFound,
  serviceUnavailable,
  sleep,
  type FollowEvent,
  type JobsFollowResponse,
  type Services,
} from '@ucloud/contracts';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { buildHttpServer } from './server.js';
import { MAX_FRAME_BYTES, MAX_STREAMS_PER_SOCKET } from './ws-socket.js';

const message = (n: number): JobsFollowResponse => ({
  updates: [],
  log: [{ rank: 0, stdout: `line ${n}\n`, stderr: null }],
  newStatus: null,
});

/**
 * A server whose job "1" has two messages and then ends, job "open" never ends until the server
 * closes (then 503, as the orchestrator's followers do), and any other job is unknown.
 */
async function socketServer() {
  const closing = new AbortController();
  const services = {
    jobs: {
      follow: (_actor: unknown, id: string, _last: unknown, signal: AbortSignal | undefined) => {
        if (id !== '1' && id !== 'open') throw notFound(`id: no job with id ${id}`);
        return (async function* (): AsyncGenerator<FollowEvent> {
          yield { id: '1', data: message(1) };
          if (id === '1') return yield { id: '2', data: message(2) };
          await sleep(60_000, AbortSignal.any([closing.signal, signal ?? closing.signal]));
          if (closing.signal.aborted) throw serviceUnavailable('The server is restarting');
        })();
      },
    },
  } as unknown as Services;
  const app = await buildHttpServer({
    services,
    authenticate: (authorization, project) =>
      authorization === 'Bearer t'
        ? {
            kind: 'user',
            username: 'user',
            admin: false,
            operator: false,
            project: project ?? null,
            role: null,
          }
        : null,
    log: pino({ level: 'silent' }),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { app, closing, url: `ws://127.0.0.1:${port}/api/jobs` };
}

interface Frame {
  type: string;
  streamId: string | null;
  status?: number;
  payload: unknown;
}

/** A client socket that keeps every frame it is sent, and how it was closed. */
async function connect(url: string) {
  const socket = new WebSocket(url);
  const frames: Frame[] = [];
  let waiters: Array<() => void> = [];
  socket.on('message', (data: Buffer) => {
    frames.push(JSON.parse(data.toString()) as Frame);
    const woken = waiters;
    waiters = [];
    for (const wake of woken) wake();
  });
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  /** The frames of `streamId` once its response has come. */
  const ended = async (streamId: string | null) => {
    for (;;) {
      const mine = frames.filter((f) => f.streamId === streamId);
      if (mine.some((f) => f.type === 'response')) return mine;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  const request = (streamId: string, id: string, bearer: string | null = 't') =>
    socket.send(JSON.stringify({ call: 'jobs.follow', streamId, bearer, payload: { id } }));
  return { socket, frames, closed, ended, request };
}

let stop: () => Promise<void> = async () => {};
afterEach(() => stop());

async function started() {
  const server = await socketServer();
  stop = () => {
    server.closing.abort();
    return server.app.close();
  };
  return server;
}

describe('the jobs socket', () => {
  it('sends a follow’s messages, then its 200 response; streams share a socket', async () => {
    const { url } = await started();
    const client = await connect(url);
    client.request('a', '1');
    client.request('b', '1');
    for (const streamId of ['a', 'b'])
      expect(await client.ended(streamId)).toEqual([
        { type: 'message', streamId, payload: message(1) },
        { type: 'message', streamId, payload: message(2) },
        {
          type: 'response',
          streamId,
          status: 200,
          payload: { updates: [], log: [], newStatus: null },
        },
      ]);
    // The socket stays open for the next request, and a stream id may be used again once ended.
    client.request('a', '1');
    await sleep(200);
    expect(client.frames.filter((f) => f.streamId === 'a')).toHaveLength(6);
  });

  it('answers refusals on the stream, in the spec’s error shape', async () => {
    const { url } = await started();
    const client = await connect(url);
    client.request('anonymous', '1', null);
    client.request('bad-token', '1', 'nope');
    client.request('unknown', '2');
    client.socket.send('{"call": "jobs.follow", "streamId": "broken"');
    expect(await client.ended('anonymous')).toEqual([
      {
        type: 'response',
        streamId: 'anonymous',
        status: 401,
        payload: { why: 'A user bearer token is required', errorCode: 'UNAUTHORIZED' },
      },
    ]);
    expect((await client.ended('bad-token'))[0]?.status).toBe(401);
    expect(await client.ended('unknown')).toEqual([
      {
        type: 'response',
        streamId: 'unknown',
        status: 404,
        payload: { why: 'id: no job with id 2', errorCode: 'NOT_FOUND' },
      },
    ]);
    const [broken] = await client.ended(null);
    expect(broken).toMatchObject({ type: 'response', status: 400 });
    expect(JSON.stringify(client.frames)).not.toMatch(/\.ts:\d|\.js:\d|at .*\(/);
  });

  it('refuses a stream id that is still open', async () => {
    const { url } = await started();
    const client = await connect(url);
    client.request('s', 'open');
    client.request('s', 'open');
    await sleep(200);
    expect(client.frames.filter((f) => f.type === 'response')).toEqual([
      {
        type: 'response',
        streamId: 's',
        status: 409,
        payload: { why: 'streamId: stream s is still open on this socket', errorCode: 'CONFLICT' },
      },
    ]);
  });

  it('refuses a stream past the limit of open streams on one socket', async () => {
    const { url } = await started();
    const client = await connect(url);
    for (let i = 0; i <= MAX_STREAMS_PER_SOCKET; i++) client.request(`s${i}`, 'open');
    const [refused] = await client.ended(`s${MAX_STREAMS_PER_SOCKET}`);
    expect(refused).toMatchObject({ status: 429, payload: { errorCode: 'TOO_MANY_REQUESTS' } });
    expect(client.frames.filter((f) => f.type === 'response')).toHaveLength(1);
  });

  it('closes the socket (1009) on a frame over 1 MiB', async () => {
    const { url } = await started();
    const client = await connect(url);
    client.socket.send('x'.repeat(MAX_FRAME_BYTES + 1));
    expect(await client.closed).toBe(1009);
  });

  it('answers a plain GET in the spec’s error shape', async () => {
    const { app } = await started();
    const answer = await app.inject({ url: '/api/jobs' });
    expect(answer.statusCode).toBe(400);
    expect(answer.json()).toEqual({
      why: '/api/jobs is a WebSocket: connect with Upgrade: websocket',
      errorCode: 'BAD_REQUEST',
    });
  });

  it('ends open streams with 503 when the server shuts down, then closes the socket', async () => {
    const { app, closing, url } = await started();
    const client = await connect(url);
    client.request('s', 'open');
    await sleep(200);
    // As the orchestrator does: followers are aborted, then the server closes.
    closing.abort();
    await app.close();
    expect(await client.ended('s')).toEqual([
      { type: 'message', streamId: 's', payload: message(1) },
      {
        type: 'response',
        streamId: 's',
        status: 503,
        payload: { why: 'The server is restarting', errorCode: 'SERVICE_UNAVAILABLE' },
      },
    ]);
    expect(await client.closed).toBe(1001);
  });
});
