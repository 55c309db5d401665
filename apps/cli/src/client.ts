import {
  createTRPCClient,
  httpLink,
  httpSubscriptionLink,
  splitLink,
  type TRPCClient,
  type TRPCClientError,
} from '@trpc/client';
import type { AppRouter } from '@ucloud/contracts';
import type { Command } from 'commander';
import { EventSource } from 'eventsource';
import { inFlagTerms } from './api-fields.js';
import { ConfigError, defaultConfigPath, readConfig, resolveConnection } from './config.js';

export type Client = TRPCClient<AppRouter>;

/** The program's connection options, from flags before the command or the environment. */
interface ConnectionOptions {
  url?: string;
  token?: string;
  project?: string;
  config?: string;
}

/** Where and as whom to connect: flags, then the environment, then the config file. */
export interface Connection {
  url: string;
  token: string;
  project?: string;
}

export function connection(command: Command): Connection {
  let root = command;
  while (root.parent) root = root.parent;
  const { config, ...given } = root.opts<ConnectionOptions>();
  let file;
  try {
    file = readConfig(
      config ?? defaultConfigPath(),
      config !== undefined || !!process.env.UCLOUD_CONFIG,
    );
  } catch (e) {
    if (e instanceof ConfigError) command.error(`error: ${e.message}`);
    throw e;
  }
  const { url, token, project } = resolveConnection(given, file);
  if (!token)
    command.error(
      'error: no bearer token: pass --token <token>, set UCLOUD_TOKEN or put "token" in the config file',
    );
  return { url: url.replace(/\/+$/, ''), token, ...(project && { project }) };
}

/**
 * An EventSource that does not reconnect by itself: a dropped follow stream fails the subscription
 * instead, and the follower resumes it from its last event id with its own backoff (follow/).
 */
class OneShotEventSource extends EventSource {
  constructor(url: string | URL, init?: ConstructorParameters<typeof EventSource>[1]) {
    super(url, init);
    // Registered before tRPC's listener, so that it sees the source closed and ends the stream.
    this.addEventListener('error', () => {
      this.close();
    });
  }
}

/** A client acting as the token's user, in the workspace of `--project` when given. */
export function connect(command: Command): Client {
  const { url, token, project } = connection(command);
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (project) headers.project = project;
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({
          url: `${url}/trpc`,
          EventSource: OneShotEventSource,
          // The EventSource standard has no headers; this one sends them through its fetch.
          eventSourceOptions: () => ({
            fetch: (input, init) =>
              fetch(input, { ...init, headers: { ...init.headers, ...headers } }),
          }),
        }),
        false: httpLink({ url: `${url}/trpc`, headers }),
      }),
    ],
  });
}

/**
 * The server's own message, in terms of the flags and arguments; for a request it did not answer
 * as tRPC, what went wrong instead.
 */
export function describeFailure(error: TRPCClientError<AppRouter>): string {
  if (error.data !== undefined) return inFlagTerms(error.message, error.data?.path);
  // Something else answered (a wrong --url, a proxy), or nothing did.
  const response = error.meta?.response;
  if (response instanceof Response)
    return `${error.message} (HTTP ${response.status} from ${response.url.replace(/\?.*/, '')})`;
  const reason = error.cause?.cause;
  return reason instanceof Error ? `${error.message} (${reason.message})` : error.message;
}

/** The id of the one item a bulk call was given, from the server's answer. */
export function createdId<Id>(answer: { responses: { id: Id }[] }): Id {
  const [created] = answer.responses;
  if (created === undefined) throw new Error('the server answered without the id of the new item');
  return created.id;
}

/** Every item of a browse, following `next` to the last page. */
export async function allPages<T>(
  browse: (next: string | null) => Promise<{ items: T[]; next: string | null }>,
): Promise<T[]> {
  const items: T[] = [];
  let next: string | null = null;
  do {
    const page = await browse(next);
    items.push(...page.items);
    next = page.next;
  } while (next);
  return items;
}

/** A job as the API answers it (what tRPC infers: Job with the defaults it may leave out). */
export type ApiJob = Awaited<ReturnType<Client['jobs']['retrieve']['query']>>;
