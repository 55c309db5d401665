import type { JobsFollowResponse } from '@ucloud/contracts';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { FOLLOWER_HIGH_WATER_BYTES, sseFrame } from './follow-frames.js';

/**
 * A follow's Server-Sent Events on one HTTP response. Each event's chunk is built once for all
 * followers that send it (see sseFrame) and written straight to the socket (the TLS socket under
 * HTTPS), bypassing the response's per-write chunk framing and string encoding.
 */
export class SseWriter {
  /** The socket, when the response's bytes go to it directly; else events go through `res`. */
  private readonly direct: Socket | null;

  constructor(private readonly res: ServerResponse) {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    res.flushHeaders();
    const socket = res.socket;
    // Chunked (not an HTTP/1.0 client), and the head is on the socket, not queued behind a
    // pipelined response still being written.
    const onSocket = socket !== null && res.writableLength === socket.writableLength;
    this.direct = res.chunkedEncoding && onSocket ? socket : null;
  }

  send(id: string, data: JobsFollowResponse): void {
    const frame = sseFrame(id, data);
    if (this.direct) this.direct.write(frame.chunk);
    else this.res.write(frame.event);
  }

  /** The client is so far behind that the follow should wait for it (see drained). */
  get behind(): boolean {
    return this.res.writableLength >= FOLLOWER_HIGH_WATER_BYTES;
  }

  /** Resolves when the socket has taken what was written, or has closed. */
  drained(): Promise<void> {
    const socket = this.res.socket;
    if (!socket || socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
    });
  }

  /** Ends the stream with an `error` event (the client follows again from its last id). */
  error(body: unknown): void {
    this.res.write(`event: error\ndata: ${JSON.stringify(body)}\n\n`);
  }

  end(): void {
    this.res.end();
  }
}
