import type { JobsFollowResponse } from '@ucloud/contracts';
import type { ServerFrame } from './ws-envelope.js';

/**
 * Follow messages as JSON, each object serialised once: an update's message is the job feed's,
 * shared by every follower of the job, so a thousand followers cost one JSON.stringify.
 */
const serialised = new WeakMap<JobsFollowResponse, string>();

export function messageJson(message: JobsFollowResponse): string {
  let json = serialised.get(message);
  if (json === undefined) {
    json = JSON.stringify(message);
    serialised.set(message, json);
  }
  return json;
}

/** A WebSocket frame as JSON, its follow message serialised once (see messageJson). */
export function frameJson(frame: ServerFrame): string {
  if (frame.type !== 'message') return JSON.stringify(frame);
  return `{"type":"message","streamId":${JSON.stringify(frame.streamId)},"payload":${messageJson(frame.payload)}}`;
}
