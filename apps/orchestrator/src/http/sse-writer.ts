import type { JobsFollowResponse } from '@ucloud/contracts';
import type { ServerResponse } from 'node:http';
import { FOLLOWER_HIGH_WATER_BYTES, sseFrame } from './follow-frames.js';
import { PendingWrites } from './pending-writes.js';

/**
 * A follow's Server-Sent Events on one HTTP response. Each event's chunk is built once for all
 * followers that send it (see sseFrame) and queued for the socket itself (the TLS socket under
 * HTTPS, see PendingWrites), bypassing the response's per-write chunk framing and encoding.
 */
export class SseWriter {
  /** Chunks for the socket, when they can go to it directly; else events go through `res`. */
  private readonly direct: PendingWrites | null;

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
    this.direct = res.chunkedEncoding && onSocket ? new PendingWrites(socket) : null;
  }

  send(id: string, data: JobsFollowResponse): void {
    const frame = sseFrame(id, data);
    if (this.direct) this.direct.push(frame.chunk);
    else this.res.write(frame.event);
  }

  /** The client is so far behind that the follow should wait for it (see drained). */
  get behind(): boolean {
    return this.res.writableLength + (this.direct?.bytes ?? 0) >= FOLLOWER_HIGH_WATER_BYTES;
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
    this.direct?.flush();
    this.res.write(`event: error\ndata: ${JSON.stringify(body)}\n\n`);
  }

  end(): void {
    this.direct?.flush();
    this.res.end();
  }
}
