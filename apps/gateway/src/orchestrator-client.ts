import { createTRPCClient, httpLink, isTRPCClientError } from '@trpc/client';
import type {
  AppRouter,
  EventCursor,
  RedeemedSession,
  ResourceUpdateAndId,
  SessionToClose,
} from '@ucloud/contracts';
import { errorMessage } from '@ucloud/contracts';
import { Agent, fetch } from 'undici';
import { OrchestratorCallError } from './errors.js';

/** The JobsControl calls the gateway makes on the orchestrator. */
export interface JobsControl {
  /** Reports updates; with a cursor, the orchestrator stores it in the same transaction. */
  update(
    items: ResourceUpdateAndId[],
    cursor: EventCursor | null,
    signal?: AbortSignal,
  ): Promise<void>;
  /** Where the orchestrator has stored events of `stream` up to, or null if it has none. */
  retrieveCursor(stream: string, signal?: AbortSignal): Promise<EventCursor | null>;
  /** The session a user's ticket opens (once); refused (FORBIDDEN) when it may not open. */
  redeemSession(ticket: string): Promise<RedeemedSession>;
  /** Of these open sessions, those that must close now. */
  checkSessions(ids: string[]): Promise<SessionToClose[]>;
  closedSessions(items: SessionToClose[]): Promise<void>;
}

export interface JobsControlClientOptions {
  orchestratorUrl: string;
  /** Read at each call: PROVIDER_TOKEN_FILE may have been rotated. */
  providerToken: () => string;
  /** CA the orchestrator's certificate is checked against; null: the system's CAs. */
  ca: Buffer | null;
  /** Upper bound on one call, so a hung orchestrator is noticed and retried. */
  timeoutMs: number;
}

/** JobsControl over the orchestrator's tRPC endpoint; failures become OrchestratorCallError. */
export function createJobsControlClient(options: JobsControlClientOptions): JobsControl {
  const dispatcher = options.ca ? new Agent({ connect: { ca: options.ca } }) : undefined;
  const client = createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${options.orchestratorUrl}/trpc`,
        headers: () => ({ authorization: `Bearer ${options.providerToken()}` }),
        // tRPC calls with the URL as a string.
        fetch: (url: string, init) => fetch(url, { ...init, dispatcher }),
      }),
    ],
  });
  const withTimeout = (signal?: AbortSignal) => {
    const timeout = AbortSignal.timeout(options.timeoutMs);
    return signal ? AbortSignal.any([signal, timeout]) : timeout;
  };

  return {
    async update(items, cursor, signal) {
      await call('control.update', () =>
        client.control.update.mutate({ items, cursor }, { signal: withTimeout(signal) }),
      );
    },
    retrieveCursor(stream, signal) {
      return call('control.retrieveCursor', () =>
        client.control.retrieveCursor.query({ stream }, { signal: withTimeout(signal) }),
      );
    },
    redeemSession(ticket) {
      return call('control.redeemSession', () =>
        client.control.redeemSession.mutate({ ticket }, { signal: withTimeout() }),
      );
    },
    checkSessions(ids) {
      return call('control.checkSessions', () =>
        client.control.checkSessions.query({ ids }, { signal: withTimeout() }),
      );
    },
    async closedSessions(items) {
      await call('control.closedSessions', () =>
        client.control.closedSessions.mutate({ items }, { signal: withTimeout() }),
      );
    },
  };
}

async function call<T>(procedure: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    // A TRPCClientError with data came from the orchestrator; without, it never got there.
    const code = isTRPCClientError<AppRouter>(error) ? (error.data?.code ?? null) : null;
    throw new OrchestratorCallError(procedure, code, errorMessage(error));
  }
}
