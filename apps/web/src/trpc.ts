import type { AppRouter } from '@ucloud/contracts';
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import { EventSource } from 'eventsource';
import { currentSession } from './session';

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

function authHeaders(): Record<string, string> {
  const { token, project } = currentSession();
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (project) headers.project = project;
  return headers;
}

/**
 * Queries and mutations in batches; `jobs.follow` over SSE. The browser's EventSource cannot send
 * the bearer token, so the `eventsource` package's (fetch-based) one does; it reconnects with the
 * last event id, and the orchestrator resumes the stream from there.
 */
export const trpcClient = createTRPCClient<AppRouter>({
  links: [
    splitLink({
      condition: (op) => op.type === 'subscription',
      true: httpSubscriptionLink({
        url: '/trpc',
        EventSource,
        eventSourceOptions: () => ({
          fetch: (input, init) =>
            fetch(input, { ...init, headers: { ...init.headers, ...authHeaders() } }),
        }),
      }),
      false: httpBatchLink({ url: '/trpc', headers: authHeaders }),
    }),
  ],
});
