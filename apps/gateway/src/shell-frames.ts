import { describeIssues } from '@ucloud/contracts';
import { z } from 'zod';

/** The call a shell request names: UCloud's `jobs.compute.<provider>.shell.open`. */
export const shellCall = (providerId: string) => `jobs.compute.${providerId}.shell.open`;

const TerminalDimension = z.number().int().min(1).max(1000);

/** UCloud's ShellRequest: initialize (the ticket and the size), input, resize. */
const ShellPayload = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('initialize'),
      sessionIdentifier: z.string().min(1).max(200),
      cols: TerminalDimension.nullish(),
      rows: TerminalDimension.nullish(),
    })
    .strict(),
  z.object({ type: z.literal('input'), data: z.string().max(64 * 1024) }).strict(),
  z
    .object({ type: z.literal('resize'), cols: TerminalDimension, rows: TerminalDimension })
    .strict(),
]);
export type ShellPayload = z.infer<typeof ShellPayload>;

/**
 * UCloud's WebSocket request envelope. The session's ticket authenticates a shell, so a
 * `bearer` or `project` a UCloud client sends along is accepted and not used.
 */
const ShellRequest = z
  .object({
    call: z.string(),
    streamId: z.string().min(1).max(200),
    payload: ShellPayload,
    bearer: z.string().nullish(),
    project: z.string().nullish(),
  })
  .strict();
export type ShellRequest = z.infer<typeof ShellRequest>;

export type ParsedShellFrame = { ok: true; request: ShellRequest } | { ok: false; why: string };

/** A client's frame, or why it is not one this gateway answers (naming the field). */
export function parseShellFrame(raw: Buffer | string, providerId: string): ParsedShellFrame {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString());
  } catch {
    return { ok: false, why: 'The frame is not JSON' };
  }
  const parsed = ShellRequest.safeParse(json);
  if (!parsed.success) return { ok: false, why: describeIssues(parsed.error.issues) };
  if (parsed.data.call !== shellCall(providerId))
    return { ok: false, why: `call: this gateway answers ${shellCall(providerId)}` };
  return { ok: true, request: parsed.data };
}

/** A `message` frame of the stream: ShellResponse `initialize`, `data` or `ack`. */
export function shellMessage(
  streamId: string | null,
  payload: { type: 'initialize' } | { type: 'data'; data: string },
): string {
  return JSON.stringify({ type: 'message', streamId, payload });
}

/** The `response` frame that ends the stream, with an HTTP status and the spec's error shape. */
export function shellResponse(streamId: string | null, status: number, payload: unknown): string {
  return JSON.stringify({ type: 'response', streamId, status, payload });
}
