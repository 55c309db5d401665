import type { AppRouter } from '@ucloud/contracts';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import { readFileSync } from 'node:fs';
import { Agent, fetch } from 'undici';

/** A year of generous credits: what every user of a fresh demo or test stack starts with. */
export const DEMO_QUOTA = 1_000_000_000_000;
const YEAR_MS = 365 * 24 * 3600 * 1000;

/**
 * Grants each user an allocation in every product category of the catalog, as the stack's
 * administrator, so that the demo user can run jobs right away. Done once, on a fresh database.
 */
export async function grantCredits(
  url: string,
  adminToken: string,
  usernames: string[],
  quota: number,
  /** The CA of an orchestrator served over HTTPS. */
  caFile?: string,
): Promise<void> {
  const dispatcher = caFile ? new Agent({ connect: { ca: readFileSync(caFile) } }) : undefined;
  const client = createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${url}/trpc`,
        headers: { authorization: `Bearer ${adminToken}` },
        fetch: (input: string, init) => fetch(input, { ...init, dispatcher }),
      }),
    ],
  });
  const categories = new Map<string, { name: string; provider: string }>();
  for (let next: string | null = null, first = true; first || next; first = false) {
    const page = await client.catalog.browseProducts.query({ itemsPerPage: 250, next });
    for (const p of page.items)
      categories.set(`${p.category.provider}/${p.category.name}`, p.category);
    next = page.next;
  }
  const startDate = Date.now() - 60_000;
  const items = usernames.flatMap((username) =>
    [...categories.values()].map((category) => ({
      owner: { type: 'user' as const, username },
      category,
      quota,
      startDate,
      endDate: startDate + YEAR_MS,
    })),
  );
  if (items.length > 0) await client.accounting.rootAllocate.mutate({ items });
}
