import type { JobsFollowResponse } from '@ucloud/contracts';
import { frameJson, messageJson } from './message-json.js';

/**
 * Follow messages as the bytes that go on the wire, built once for every follower that sends the
 * same message: followers in step with a job send the feed's message objects under the same id
 * (or stream id), so ten thousand of them write one Buffer instead of each encoding its own.
 */

/** One Server-Sent Event as an HTTP/1.1 chunk, and the event alone within it. */
export interface SseFrame {
  /** `<size>\r\n<event>\r\n`: written straight to the socket of a chunked response. */
  chunk: Buffer;
  /** `id: …\ndata: …\n\n`, a view into `chunk`. */
  event: Buffer;
}

interface Built<F> {
  key: string;
  frame: F;
}

/** The frame last built per message; followers in step ask for it with the same key. */
const sse = new WeakMap<JobsFollowResponse, Built<SseFrame>>();
const ws = new WeakMap<JobsFollowResponse, Built<Buffer>>();

export function sseFrame(id: string, data: JobsFollowResponse): SseFrame {
  const built = sse.get(data);
  if (built?.key === id) return built.frame;
  const event = `id: ${id}\ndata: ${messageJson(data)}\n\n`;
  const size = Buffer.byteLength(event);
  const head = `${size.toString(16)}\r\n`;
  const chunk = Buffer.allocUnsafe(head.length + size + 2);
  chunk.write(head, 0, 'latin1');
  chunk.write(event, head.length, 'utf8');
  chunk.write('\r\n', head.length + size, 'latin1');
  const frame = { chunk, event: chunk.subarray(head.length, head.length + size) };
  sse.set(data, { key: id, frame });
  return frame;
}

/**
 * The envelope's `message` frame for `payload` on stream `streamId`, as a complete unmasked
 * WebSocket text frame (RFC 6455 §5.2): a server's frames are not masked, so every client of
 * the message can be sent the same bytes.
 */
export function wsMessageFrame(streamId: string, payload: JobsFollowResponse): Buffer {
  const built = ws.get(payload);
  if (built?.key === streamId) return built.frame;
  const frame = wsTextFrame(frameJson({ type: 'message', streamId, payload }));
  ws.set(payload, { key: streamId, frame });
  return frame;
}

/** A final, unmasked text frame holding `text`. */
export function wsTextFrame(text: string): Buffer {
  const size = Buffer.byteLength(text);
  const head = size < 126 ? 2 : size < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(head + size);
  frame[0] = 0x81; // FIN, opcode 1 (text)
  if (head === 2) frame[1] = size;
  else if (head === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(size, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(size), 2);
  }
  frame.write(text, head, 'utf8');
  return frame;
}

/** Bytes a follower's client has not yet taken, above which its follow waits before sending more. */
export const FOLLOWER_HIGH_WATER_BYTES = 4 * 1024 * 1024;
