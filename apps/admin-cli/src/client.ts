import { createTRPCClient, httpLink, type TRPCClient, type TRPCClientError } from '@trpc/client';
import type { AppRouter } from '@ucloud/contracts';
import type { Command } from 'commander';
import { inFlagTerms } from './api-fields.js';

export type Client = TRPCClient<AppRouter>;

/** The program's connection options (flags before the command, or the environment). */
interface Connection {
  url: string;
  token?: string;
  project?: string;
}

/** A client acting as the token's user, in the workspace of `--project` when given. */
export function connect(command: Command): Client {
  let root = command;
  while (root.parent) root = root.parent;
  const { url, token, project } = root.opts<Connection>();
  if (!token) command.error('error: no bearer token: pass --token <token> or set UCLOUD_TOKEN');
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (project) headers.project = project;
  return createTRPCClient<AppRouter>({
    links: [httpLink({ url: `${url.replace(/\/+$/, '')}/trpc`, headers })],
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
