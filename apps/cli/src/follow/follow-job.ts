import { TRPCClientError } from '@trpc/client';
import {
  Backoff,
  isFinalState,
  sleep,
  type BackoffOptions,
  type JobsFollowResponse,
  type JobUpdate,
} from '@ucloud/contracts';
import type { Client } from '../client.js';

/** Quick retries at first (a restart takes a second or two), then every few seconds. */
export const FOLLOW_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 5_000 };

export interface FollowHandlers {
  /** Each message, in order, once: after a reconnect the stream resumes after the last one. */
  onMessage(message: JobsFollowResponse, id: string | undefined): void;
  /** The stream dropped (the orchestrator restarts, the network failed); retrying after `delayMs`. */
  onRetry?(error: TRPCClientError<never> | Error, delayMs: number, attempt: number): void;
  /** Connected again after one or more drops. */
  onResumed?(): void;
}

/** Waiting was given up (Ctrl-C): the job goes on. */
export class FollowInterrupted extends Error {
  override name = 'FollowInterrupted';
}

/** The job's final update among a message's updates, if it has one. */
export function finalUpdateIn(message: JobsFollowResponse): JobUpdate | undefined {
  return message.updates.find((u) => u.state !== null && isFinalState(u.state));
}

/**
 * Whether following again can help: yes after a network failure, a dropped stream or a server
 * error (5xx, 429: the orchestrator restarting or busy); no when the server refused the follower
 * itself (401, 403, 404: a revoked token, a job no longer visible).
 */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof TRPCClientError)) return true;
  const status =
    (error.data as { httpStatus?: number } | undefined)?.httpStatus ??
    (error.cause as { code?: unknown } | undefined)?.code;
  if (typeof status !== 'number') return true;
  return status >= 500 || status === 429 || status === 408;
}

type Outcome = { final: JobUpdate } | { error: unknown } | { ended: true };

/**
 * Follows job `id` to its final update, which it answers. A dropped stream is followed again from
 * the last event id received, which the orchestrator resumes after: no message is lost or
 * repeated. Retries go on, with backoff, for as long as the orchestrator is away; `signal` stops
 * them (FollowInterrupted).
 */
export async function followJob(
  client: Client,
  id: string,
  handlers: FollowHandlers,
  { signal, backoff = FOLLOW_BACKOFF }: { signal?: AbortSignal; backoff?: BackoffOptions } = {},
): Promise<JobUpdate> {
  const retries = new Backoff(backoff);
  let lastEventId: string | null = null;
  for (;;) {
    const outcome = await new Promise<Outcome>((settle) => {
      const resolve = (result: Outcome) => {
        signal?.removeEventListener('abort', onAbort);
        settle(result);
      };
      const onAbort = () => {
        resolve({ ended: true });
        subscription.unsubscribe();
      };
      const subscription = client.jobs.follow.subscribe(
        { id, lastEventId },
        {
          onData: ({ id: eventId, data }) => {
            if (retries.attempts > 0) handlers.onResumed?.();
            retries.reset();
            lastEventId = eventId;
            // The API's type (tRPC infers it with defaults it may leave out).
            const message = data as JobsFollowResponse;
            handlers.onMessage(message, eventId);
            const final = finalUpdateIn(message);
            if (final) {
              // First: unsubscribing completes the subscription, which would resolve as `ended`.
              resolve({ final });
              subscription.unsubscribe();
            }
          },
          onError: (error) => {
            resolve({ error });
          },
          onComplete: () => {
            resolve({ ended: true });
          },
        },
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    if ('final' in outcome) return outcome.final;
    if (signal?.aborted) throw new FollowInterrupted('stopped following');
    const error = 'error' in outcome ? outcome.error : new Error('the stream ended early');
    if (!isRetryable(error)) throw error;
    const delay = retries.next();
    handlers.onRetry?.(
      error instanceof Error ? error : new Error(String(error)),
      delay,
      retries.attempts,
    );
    await sleep(delay, signal);
    if (signal?.aborted) throw new FollowInterrupted('stopped following');
  }
}
