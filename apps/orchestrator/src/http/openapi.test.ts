import type { ApiContext } from '@ucloud/contracts';
import Fastify from 'fastify';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OPENAPI_PATH } from './openapi.js';
import { openApiDocument, registerRestRoutes, REST_ROUTES } from './rest.js';
import { registerSignInRoute, SIGN_IN_PATH } from './sign-in.js';

/** The REST routes as Fastify registers them (HEAD is Fastify's own twin of each GET). */
async function registeredRoutes() {
  const app = Fastify();
  const routes: { method: string; url: string; public: boolean }[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat())
      if (method !== 'HEAD')
        routes.push({ method, url: route.url, public: route.config?.public === true });
  });
  await app.register(async (scope) =>
    registerRestRoutes(scope, () => ({ actor: null }) as unknown as ApiContext),
  );
  // The one REST route outside the table: it answers before anyone is signed in (server.ts).
  await app.register(async (scope) => registerSignInRoute(scope, async () => ({ oidc: null })));
  await app.ready();
  return { app, routes };
}

const operationsOf = (doc: ReturnType<typeof openApiDocument>) =>
  Object.entries(doc.paths).flatMap(([url, operations]) =>
    Object.keys(operations).map((method) => ({ method: method.toUpperCase(), url })),
  );

describe('the OpenAPI document', () => {
  const doc = openApiDocument();

  it('documents every registered route, and nothing else', async () => {
    const { app, routes } = await registeredRoutes();
    expect(routes.length).toBe(REST_ROUTES.length + 2);
    expect(new Set(operationsOf(doc).map((o) => `${o.method} ${o.url}`))).toEqual(
      new Set(routes.map((r) => `${r.method} ${r.url}`)),
    );
    await app.close();
  });

  it('is served without a token, as the routes registered it', async () => {
    const { app, routes } = await registeredRoutes();
    expect(routes.filter((r) => r.public)).toEqual([
      { method: 'GET', url: OPENAPI_PATH, public: true },
      { method: 'GET', url: SIGN_IN_PATH, public: true },
    ]);
    const answer = await app.inject({ method: 'GET', url: OPENAPI_PATH });
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toEqual(JSON.parse(JSON.stringify(doc)));
    expect(doc.paths[OPENAPI_PATH]!.get!.security).toEqual([]);
    await app.close();
  });

  it('names the orchestrator version and a relative server', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(doc.info.version).toBe(pkg.version);
    expect(doc.servers).toEqual([{ url: '/' }]);
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
  });

  it("gives every route a 200 schema and the spec's error shape", () => {
    for (const route of REST_ROUTES) {
      const op = doc.paths[route.path]![route.method.toLowerCase()]! as {
        responses: Record<string, { $ref?: string; content?: Record<string, unknown> }>;
      };
      expect(op.responses['200']!.content, route.path).toBeDefined();
      for (const status of ['400', '401', '403', '404', '409', '429', '5XX'])
        expect(op.responses[status]).toEqual({ $ref: `#/components/responses/${status}` });
    }
    expect(doc.components.schemas!.CommonErrorMessage).toMatchObject({
      required: ['why', 'errorCode'],
    });
  });

  it("reads query parameters and bodies from the procedures' own input schemas", () => {
    const retrieve = doc.paths['/api/jobs/retrieve']!.get as { parameters: object[] };
    expect(retrieve.parameters).toContainEqual({
      name: 'id',
      in: 'query',
      required: true,
      schema: { type: 'string', minLength: 1 },
    });
    expect(retrieve.parameters).toContainEqual({
      name: 'includeUpdates',
      in: 'query',
      required: false,
      schema: { type: 'boolean' },
    });
    const create = doc.paths['/api/jobs']!.post as Record<string, unknown>;
    expect(create.requestBody).toEqual({
      required: true,
      content: {
        'application/json': { schema: { $ref: '#/components/schemas/JobsCreateRequest' } },
      },
    });
    expect(create.parameters).toContainEqual(
      expect.objectContaining({ name: 'Idempotency-Key', in: 'header' }),
    );
    expect(doc.components.schemas!.JobsCreateRequest).toMatchObject({
      required: ['items'],
      additionalProperties: false,
    });
  });

  it('describes follow as Server-Sent Events of JobsFollowResponse, resumable with Last-Event-ID', () => {
    const follow = doc.paths['/api/jobs/follow']!.get as {
      parameters: { name: string; in: string }[];
      responses: { '200': { content: Record<string, Record<string, unknown>> } };
    };
    expect(follow.responses['200'].content['text/event-stream']!['x-event-data']).toEqual({
      $ref: '#/components/schemas/JobsFollowResponse',
    });
    expect(follow.parameters).toContainEqual(
      expect.objectContaining({ name: 'Last-Event-ID', in: 'header' }),
    );
  });
});
