import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from './harness.js';
import {
  gatewayRestRoutes,
  orchestratorRestRoutes,
  routerProcedures,
  trpcProcedures,
  type RestRoute,
} from './readme-apis.js';

/** README.md's "The APIs" table is a promise: every route and procedure it names is served. */

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});

afterAll(async () => {
  await stack?.dispose();
});

/** Calls a route with nothing useful in it: a route that exists refuses (400, 401…), never 404 "No such call". */
async function probe(base: string, route: RestRoute, token?: string) {
  const response = await fetch(base + route.path, {
    method: route.method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(route.method === 'GET' ? {} : { 'content-type': 'application/json' }),
    },
    body: route.method === 'GET' ? undefined : '{"items": "none"}',
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  return { status: response.status, text };
}

/** The code of a tRPC error answer; subscriptions send it as an event of a stream left open. */
async function trpcErrorCode(response: Response): Promise<string | undefined> {
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of response.body!) {
    text += decoder.decode(chunk, { stream: true });
    const code = /"data":\{"code":"([A-Z_]+)"/.exec(text)?.[1];
    if (code) return code; // leaving the loop cancels the stream
  }
  return undefined;
}

const routed = (answer: { status: number; text: string }) =>
  answer.status !== 404 || !answer.text.includes('No such call');

describe("README's API table", () => {
  const restRoutes = orchestratorRestRoutes();
  const procedures = routerProcedures().map((p) => p.name);

  it('lists what the servers must serve', () => {
    // Guards the parser: a reformatted table must not make the checks below vacuous.
    expect(restRoutes.length).toBeGreaterThan(30);
    expect(restRoutes).toContainEqual({ method: 'POST', path: '/api/jobs/search' });
    expect(trpcProcedures()).toContain('jobs.updateAcl');
  });

  it.each(restRoutes.map((r) => [`${r.method} ${r.path}`, r] as const))(
    'the orchestrator serves %s',
    async (_name, route) => {
      const anonymous = await probe(stack.url, route);
      expect(routed(anonymous), anonymous.text).toBe(true);
      expect(anonymous.status).toBeGreaterThanOrEqual(400);
      expect(anonymous.status).toBeLessThan(500);
    },
  );

  it.each(trpcProcedures().map((name) => [name]))('the tRPC router has %s', async (name) => {
    const matching = name.endsWith('.*')
      ? procedures.filter((p) => p.startsWith(name.slice(0, -1)))
      : procedures.filter((p) => p === name);
    expect(matching.length).toBeGreaterThan(0);
    for (const procedure of matching) {
      const type = routerProcedures().find((p) => p.name === procedure)!.type;
      const response = await fetch(`${stack.url}/trpc/${procedure}`, {
        method: type === 'mutation' ? 'POST' : 'GET',
        ...(type === 'mutation'
          ? { headers: { 'content-type': 'application/json' }, body: '{}' }
          : {}),
        signal: AbortSignal.timeout(30_000),
      });
      expect(['UNAUTHORIZED', 'FORBIDDEN'], procedure).toContain(await trpcErrorCode(response));
    }
  });

  it('names every tRPC procedure the router has', () => {
    const listed = trpcProcedures();
    const unlisted = procedures.filter(
      (p) => !listed.includes(p) && !listed.includes(`${p.split('.')[0]}.*`),
    );
    expect(unlisted).toEqual([]);
  });

  it.each(gatewayRestRoutes('example').map((r) => [`${r.method} ${r.path}`, r] as const))(
    'the gateway serves %s',
    async (_name, route) => {
      const answer = await probe(stack.gatewayUrl, route, stack.providerToken);
      expect(routed(answer), answer.text).toBe(true);
    },
  );
});
