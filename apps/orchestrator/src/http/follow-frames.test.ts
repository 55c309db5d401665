import type { JobsFollowResponse } from '@ucloud/contracts';
import { once } from 'node:events';
import { makeTestPki } from '@ucloud/contracts/testing/pki';
import {
  createServer as createHttpServer,
  get as httpGet,
  type IncomingMessage,
  type RequestListener,
  type Server,
} from 'node:http';
import { createServer as createHttpsServer, get as httpsGet } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import {
  FOLLOWER_HIGH_WATER_BYTES,
  sseFrame,
  wsMessageFrame,
  wsTextFrame,
} from './follow-frames.js';
import { frameJson } from './message-json.js';
import { SseWriter } from './sse-writer.js';

/** A follow message with one line of output (its status is not what is tested). */
const message = (text: string) =>
  ({
    updates: [],
    log: [{ rank: 0, stdout: text, stderr: null }],
    newStatus: {},
  }) as unknown as JobsFollowResponse;

const pki = makeTestPki();
let server: Server | undefined;
afterEach(() => {
  server?.closeAllConnections();
  return new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

/** A server on a free port, over HTTPS with `tls`: writing to the raw socket must encrypt. */
async function listen(tls: boolean, handler?: RequestListener): Promise<string> {
  server = tls
    ? createHttpsServer({ cert: pki.server.cert, key: pki.server.key }, handler)
    : createHttpServer(handler);
  await once(server.listen(0, '127.0.0.1'), 'listening');
  return `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Serves one SSE response written by `write`, and answers the body a client reads. */
async function sse(write: (writer: SseWriter) => Promise<void>, tls: boolean): Promise<string> {
  const url = await listen(tls, (_req, res) => {
    const writer = new SseWriter(res);
    void write(writer).then(() => writer.end());
  });
  const request = tls ? httpsGet(url, { ca: pki.ca }) : httpGet(url);
  const [res] = (await once(request, 'response')) as [IncomingMessage];
  expect(res.headers['content-type']).toBe('text/event-stream');
  let body = '';
  for await (const text of res.setEncoding('utf8') as AsyncIterable<string>) body += text;
  return body;
}

describe.each([false, true])('Server-Sent Events (TLS: %s)', (tls) => {
  it('reach the client as the events res.write would have sent, in order', async () => {
    const body = await sse(async (writer) => {
      writer.send('1:0o3', message('é\n'));
      writer.send('1:0o3', message('é\n')); // a repeat is sent again
      writer.send('2:0o3', message('x'));
      writer.error({ why: 'over' });
    }, tls);
    expect(body).toBe(
      `id: 1:0o3\ndata: ${JSON.stringify(message('é\n'))}\n\n`.repeat(2) +
        `id: 2:0o3\ndata: ${JSON.stringify(message('x'))}\n\n` +
        `event: error\ndata: {"why":"over"}\n\n`,
    );
  });

  it('are built once for every follower that sends the same message under the same id', () => {
    const shared = message('a');
    expect(sseFrame('1:', shared)).toBe(sseFrame('1:', shared));
    expect(sseFrame('2:', shared).event.toString()).toBe(
      `id: 2:\ndata: ${JSON.stringify(shared)}\n\n`,
    );
  });

  it('wait for a client that reads nothing once it is far behind, and go on when it reads', async () => {
    const big = message('x'.repeat(64 * 1024));
    let waited = false;
    const body = await sse(async (writer) => {
      for (let i = 0; !writer.behind; i++) writer.send(`${i}:`, big);
      waited = true;
      await writer.drained();
      writer.send('last:', message('done'));
    }, tls);
    expect(waited).toBe(true);
    expect(body.length).toBeGreaterThan(FOLLOWER_HIGH_WATER_BYTES);
    expect(body.endsWith(`id: last:\ndata: ${JSON.stringify(message('done'))}\n\n`)).toBe(true);
  });
});

describe.each([false, true])('WebSocket message frames (TLS: %s)', (tls) => {
  /** What a ws client receives when the server writes `frames` to the raw socket. */
  async function received(frames: Buffer[]): Promise<string[]> {
    const url = await listen(tls);
    const wss = new WebSocketServer({ server });
    wss.on('connection', (_socket, request) => {
      for (const frame of frames) request.socket.write(frame);
    });
    const client = new WebSocket(url.replace(/^http/, 'ws'), { ca: pki.ca });
    const texts: string[] = [];
    await new Promise<void>((resolve, reject) => {
      client.on('message', (data: Buffer, binary) => {
        expect(binary).toBe(false);
        texts.push(data.toString('utf8'));
        if (texts.length === frames.length) resolve();
      });
      client.on('error', reject);
    });
    client.terminate();
    wss.close();
    return texts;
  }

  it('reach a client as the text frames ws sends, whatever their length', async () => {
    const texts = [
      '',
      'é',
      'x'.repeat(125),
      'x'.repeat(126),
      'é'.repeat(40_000),
      'x'.repeat(70_000),
    ];
    expect(await received(texts.map(wsTextFrame))).toEqual(texts);
  });

  it('hold the envelope of a follow message, built once per message and stream', async () => {
    const shared = message('line\n');
    const frame = wsMessageFrame('7', shared);
    expect(wsMessageFrame('7', shared)).toBe(frame);
    expect(await received([frame, wsMessageFrame('8', shared)])).toEqual([
      frameJson({ type: 'message', streamId: '7', payload: shared }),
      frameJson({ type: 'message', streamId: '8', payload: shared }),
    ]);
  });
});
