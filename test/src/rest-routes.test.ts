import { describe, expect, it } from 'vitest';
import { useStack } from './harness.js';
import {
  gatewayRestRoutes,
  orchestratorRestRoutes,
  routerProcedures,
  trpcProcedures,
  type ProcedureType,
  type RestRoute,
} from './readme-apis.js';

/** README.md's "The APIs" table is a promise: every route and procedure it names is served. */

const stack = useStack();

/** Calls a route with nothing useful in it: one that exists refuses (400, 403…) or answers, never 404 "No such call". */
async function probe(base: string, route: RestRoute, token: string) {
  const response = await fetch(base + route.path, {
    method: route.method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(route.method === 'GET' ? {} : { 'content-type': 'application/json' }),
    },
    body: route.method === 'GET' ? undefined : '{"items": "none"}',
    signal: AbortSignal.timeout(30_000),
  });
  return { status: response.status, text: await response.text() };
}

const routed = (answer: { status: number; text: string }) =>
  answer.status !== 404 || !answer.text.includes('No such call');

/** Calls a procedure without input; subscriptions answer as a stream left open, read up to its first error. */
async function callProcedure(name: string, type: ProcedureType): Promise<string> {
  const response = await fetch(`${stack.url}/trpc/${name}`, {
    method: type === 'mutation' ? 'POST' : 'GET',
    headers: { authorization: `Bearer ${stack.userToken}`, 'content-type': 'application/json' },
    body: type === 'mutation' ? '{}' : undefined,
    signal: AbortSignal.timeout(30_000),
  });
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of response.body!) {
    text += decoder.decode(chunk, { stream: true });
    if (/"error"|serialized-error/.test(text) && text.endsWith('\n\n')) break; // cancels the stream
  }
  return text;
}

const isProcedure = (answer: string) => !answer.includes('No procedure found');

describe("README's API table", () => {
  const restRoutes = orchestratorRestRoutes();
  const procedures = routerProcedures().map((p) => p.name);

  it('lists what the servers must serve', () => {
    // Guards the parser: a reformatted table must not make the checks below vacuous.
    expect(restRoutes.length).toBeGreaterThan(30);
    expect(restRoutes).toContainEqual({ method: 'POST', path: '/api/jobs/search' });
    expect(trpcProcedures()).toContain('jobs.updateAcl');
  });

  it('tells a route or procedure that does not exist apart', async () => {
    const missing = await probe(
      stack.url,
      { method: 'POST', path: '/api/jobs/nothing' },
      stack.userToken,
    );
    expect(routed(missing)).toBe(false);
    expect(isProcedure(await callProcedure('jobs.nothing', 'query'))).toBe(false);
  });

  it.each(restRoutes.map((r) => [`${r.method} ${r.path}`, r] as const))(
    'the orchestrator serves %s',
    async (_name, route) => {
      const answer = await probe(stack.url, route, stack.userToken);
      expect(routed(answer), answer.text).toBe(true);
      expect(answer.status).toBeLessThan(500);
    },
  );

  it.each(trpcProcedures().map((name) => [name]))('the tRPC router has %s', async (name) => {
    const matching = routerProcedures().filter((p) =>
      name.endsWith('.*') ? p.name.startsWith(name.slice(0, -1)) : p.name === name,
    );
    expect(matching.length).toBeGreaterThan(0);
    for (const { name: procedure, type } of matching) {
      const answer = await callProcedure(procedure, type);
      expect(isProcedure(answer), `${procedure}: ${answer.slice(0, 300)}`).toBe(true);
    }
  });

  it('names every tRPC procedure the router has', () => {
    const listed = trpcProcedures();
    const unlisted = procedures.filter(
      (p) => !listed.includes(p) && !listed.includes(`${p.replace(/\..*/, '')}.*`),
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
