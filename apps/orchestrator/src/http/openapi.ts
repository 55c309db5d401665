import type { AnyProcedure } from '@trpc/server';
import {
  ApiToken,
  Application,
  ApplicationWithFavoriteAndTags,
  appRouter,
  ComputeProduct,
  InteractiveSession,
  Job,
  JobsFollowResponse,
  JobsLog,
  JobSpecification,
  JobStatus,
  JobUpdate,
  License,
  LicenseProduct,
  OpenSessionWithProvider,
  Project,
  SignInOptions,
  Unit,
  User,
  WalletV2,
} from '@ucloud/contracts';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { ProcedurePath, RestRoute } from './rest.js';
import { SIGN_IN_PATH } from './sign-in.js';

/** Where the orchestrator serves the document, without a token. */
export const OPENAPI_PATH = '/api/openapi.json';

type JsonSchema = z.core.JSONSchema.BaseSchema;
type Operation = Record<string, unknown>;
/** Zod schemas by component name. */
type Registry = z.core.$ZodRegistry<{ id: string }>;
export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: { url: string }[];
  security: Record<string, string[]>[];
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, Record<string, unknown>>;
}

/** The spec's CommonErrorMessage: every refusal and failure answers with it. */
const CommonErrorMessage = z.object({ why: z.string(), errorCode: z.string().nullable() });

const ERRORS = {
  '400': 'Invalid request: `why` names the offending field.',
  '401': 'No valid bearer token.',
  '403': 'The caller may not do this (read-only operator, missing EDIT, used session ticket…).',
  '404': 'No such call or resource, or one the caller may not see.',
  '409':
    'Conflicts with what exists: a duplicate job, an idempotency key reused for another request.',
  '429': 'Too many requests.',
  '5XX': 'Not the caller\'s fault ("Internal server error"; 503 when a provider is unreachable).',
} as const;

/** Contract schemas named in the document (and so in generated clients), wherever they appear. */
const NAMED = {
  Job,
  JobSpecification,
  JobStatus,
  JobUpdate,
  JobsFollowResponse,
  JobsLog,
  Application,
  Unit,
  Project,
  License,
  LicenseProduct,
  WalletV2,
  ComputeProduct,
  InteractiveSession,
  OpenSessionWithProvider,
  ApplicationWithFavoriteAndTags,
  SignInOptions,
  User,
  ApiToken,
  CommonErrorMessage,
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** `jobs.openInteractiveSession` → `JobsOpenInteractiveSession`. */
const componentName = (path: ProcedurePath) =>
  path
    .split('.')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');

/** The zod schema a procedure validates its input with (tRPC keeps it on the procedure). */
function procedureInput(path: ProcedurePath): z.ZodType | undefined {
  const procedures = appRouter._def.procedures as unknown as Record<string, AnyProcedure>;
  const procedure = procedures[path];
  if (procedure === undefined) throw new Error(`no procedure ${path}`);
  return procedure._def.inputs[0] as z.ZodType | undefined;
}

const requestSchema = (route: RestRoute) =>
  route.input === undefined ? undefined : (route.restInput ?? procedureInput(route.procedure));

function jsonSchemaOptions(io: 'input' | 'output') {
  return {
    io,
    // No contract schema is registered globally, but none may leak in from elsewhere either.
    metadata: z.registry<{ id?: string }>(),
    // A transform's output has no JSON Schema: the override below describes it by its input.
    unrepresentable: (ctx: { zodSchema: z.core.$ZodType }) =>
      ctx.zodSchema._zod.def.type === 'transform' ? ('any' as const) : undefined,
    override: (ctx: { zodSchema: z.core.$ZodType; jsonSchema: JsonSchema }) => {
      const def = ctx.zodSchema._zod.def;
      if (io === 'output' && isPipe(def) && def.out._zod.def.type === 'transform')
        Object.assign(ctx.jsonSchema, bare(z.toJSONSchema(def.in, jsonSchemaOptions('output'))));
    },
  };
}

const isPipe = (def: z.core.$ZodTypeDef): def is z.core.$ZodPipeDef => def.type === 'pipe';

/** A generated schema as a component or inline schema: no `$schema`, no `$id`. */
function bare(schema: JsonSchema): JsonSchema {
  const { $schema: _dialect, $id: _id, ...rest } = schema;
  return rest;
}

/** Components from the registry's schemas, each one referring to the others by name. */
function componentsOf(registry: Registry, io: 'input' | 'output') {
  const { schemas } = z.toJSONSchema(registry, {
    ...jsonSchemaOptions(io),
    uri: (id) => ref(id).$ref,
  });
  return Object.fromEntries(Object.entries(schemas).map(([id, s]) => [id, bare(s)]));
}

/** Query parameters, one per property; a query string cannot say null, so nulls are dropped. */
function queryParameters(schema: z.ZodType) {
  const json = z.toJSONSchema(schema, jsonSchemaOptions('input'));
  const required = new Set(json.required ?? []);
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: 'query',
    required: required.has(name),
    schema: withoutNull(property as JsonSchema),
  }));
}

function withoutNull(schema: JsonSchema): JsonSchema {
  const { default: fallback, anyOf, type, ...rest } = schema;
  const kept = anyOf?.filter((s) => s.type !== 'null');
  if (kept?.length === 1) return { ...rest, ...kept[0] };
  const types = Array.isArray(type) ? type.filter((t) => t !== 'null') : type;
  const single = Array.isArray(types) && types.length === 1 ? types[0] : types;
  return {
    ...rest,
    ...(kept === undefined ? {} : { anyOf: kept }),
    ...(single === undefined ? {} : { type: single }),
    ...(fallback === null || fallback === undefined ? {} : { default: fallback }),
  };
}

/** A reference to the component a schema was registered as. */
function refTo(registry: Registry, schema: z.ZodType) {
  const meta = registry.get(schema);
  if (meta === undefined) throw new Error('a route schema was not registered as a component');
  return ref(meta.id);
}

function operation(route: RestRoute, outputs: Registry, inputs: Registry) {
  const request = requestSchema(route);
  const parameters = [
    { $ref: '#/components/parameters/Project' },
    ...Object.entries(route.headers ?? {}).map(([name, description]) => ({
      name,
      in: 'header',
      required: false,
      description,
      schema: { type: 'string' },
    })),
    ...(route.input === 'query' && request ? queryParameters(request) : []),
  ];
  const answer = refTo(outputs, route.response);
  return {
    operationId: route.procedure,
    summary: route.summary,
    tags: [route.procedure.split('.')[0]],
    parameters,
    ...(route.input === 'body' && request
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: refTo(inputs, request) } },
          },
        }
      : {}),
    responses: {
      '200': route.stream
        ? {
            description:
              'Server-Sent Events: each `data:` is a JobsFollowResponse as JSON and each `id:` the ' +
              'event id to resume from; a failure after the stream opened is an `event: error` ' +
              'whose data is a CommonErrorMessage.',
            content: {
              'text/event-stream': { schema: { type: 'string' }, 'x-event-data': answer },
            },
          }
        : { description: 'OK', content: { 'application/json': { schema: answer } } },
      ...Object.fromEntries(
        Object.keys(ERRORS).map((status) => [status, { $ref: `#/components/responses/${status}` }]),
      ),
    },
  };
}

/**
 * The OpenAPI 3.1 document of the REST face, generated from the route table and the zod schemas
 * the routes validate with (zod's own JSON Schema output, which is OpenAPI 3.1's dialect).
 */
export function buildOpenApiDocument(routes: readonly RestRoute[]): OpenApiDocument {
  const outputs: Registry = z.registry<{ id: string }>();
  const inputs: Registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(NAMED)) outputs.add(schema, { id });
  for (const route of routes) {
    const name = componentName(route.procedure);
    if (!outputs.has(route.response)) outputs.add(route.response, { id: `${name}Response` });
    const request = requestSchema(route);
    if (route.input === 'body' && request && !inputs.has(request))
      inputs.add(request, { id: `${name}Request` });
  }

  const paths: OpenApiDocument['paths'] = {
    [OPENAPI_PATH]: {
      get: {
        operationId: 'openapi',
        summary: 'This document',
        security: [],
        responses: { '200': { description: 'OK', content: { 'application/json': {} } } },
      },
    },
    [SIGN_IN_PATH]: {
      get: {
        operationId: 'signInOptions',
        summary:
          "How to sign in besides an API token: the identity provider's web sign-in, or null",
        security: [],
        responses: {
          '200': {
            description: 'OK',
            content: { 'application/json': { schema: ref('SignInOptions') } },
          },
        },
      },
    },
  };
  for (const route of routes)
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(route, outputs, inputs);

  return {
    openapi: '3.1.0',
    info: {
      title: 'UCloud Jobs',
      version: orchestratorVersion(),
      description:
        "UCloud's Jobs API and the orchestrator's own routes. Every route but this document and " +
        'the sign-in options needs a bearer token; a `Project` header acts in that project.',
    },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      schemas: { ...componentsOf(outputs, 'output'), ...componentsOf(inputs, 'input') },
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
      parameters: {
        Project: {
          name: 'Project',
          in: 'header',
          required: false,
          description: "Acts in this project (a member's only), instead of the personal workspace.",
          schema: { type: 'string' },
        },
      },
      responses: Object.fromEntries(
        Object.entries(ERRORS).map(([status, description]) => [
          status,
          { description, content: { 'application/json': { schema: ref('CommonErrorMessage') } } },
        ]),
      ),
    },
  };
}

function orchestratorVersion(): string {
  const file = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}
