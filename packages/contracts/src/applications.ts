import { z } from 'zod';
import { ToolBackend } from './products.js';
import { NameAndVersion, nullable, SimpleDuration } from './shared.js';

/** A value given for an application parameter or attached as a resource (discriminated by `type`). */
export const AppParameterValue = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('file'),
    path: z.string().min(1),
    readOnly: z.boolean().default(false),
  }),
  z.object({ type: z.literal('boolean'), value: z.boolean() }),
  z.object({ type: z.literal('text'), value: z.string() }),
  z.object({ type: z.literal('textarea'), value: z.string() }),
  z.object({ type: z.literal('integer'), value: z.number().int() }),
  z.object({ type: z.literal('floating_point'), value: z.number() }),
  z.object({ type: z.literal('peer'), hostname: z.string().min(1), jobId: z.string().min(1) }),
  z.object({ type: z.literal('license_server'), id: z.string().min(1) }),
  z.object({ type: z.literal('network'), id: z.string().min(1) }),
  z.object({ type: z.literal('block_storage'), id: z.string().min(1) }),
  z.object({ type: z.literal('ingress'), id: z.string().min(1) }),
]);
export type AppParameterValue = z.infer<typeof AppParameterValue>;
export type AppParameterValueType = AppParameterValue['type'];

const parameterBase = {
  name: z.string().min(1),
  optional: z.boolean().default(false),
  defaultValue: nullable(z.unknown()),
  title: z.string().default(''),
  description: z.string().default(''),
};

export const ApplicationParameter = z.discriminatedUnion('type', [
  z.object({ type: z.literal('input_file'), ...parameterBase }),
  z.object({ type: z.literal('input_directory'), ...parameterBase }),
  z.object({ type: z.literal('text'), ...parameterBase }),
  z.object({ type: z.literal('textarea'), ...parameterBase }),
  z.object({
    type: z.literal('integer'),
    ...parameterBase,
    min: nullable(z.number().int()),
    max: nullable(z.number().int()),
    step: nullable(z.number().int()),
    unitName: nullable(z.string()),
  }),
  z.object({
    type: z.literal('floating_point'),
    ...parameterBase,
    min: nullable(z.number()),
    max: nullable(z.number()),
    step: nullable(z.number()),
    unitName: nullable(z.string()),
  }),
  z.object({
    type: z.literal('boolean'),
    ...parameterBase,
    trueValue: z.string().default('true'),
    falseValue: z.string().default('false'),
  }),
  z.object({
    type: z.literal('enumeration'),
    ...parameterBase,
    options: z.array(z.object({ name: z.string(), value: z.string() })),
  }),
  z.object({
    type: z.literal('peer'),
    ...parameterBase,
    suggestedApplication: nullable(z.string()),
  }),
  z.object({
    type: z.literal('license_server'),
    ...parameterBase,
    tagged: z.array(z.string()).default([]),
  }),
  z.object({ type: z.literal('ingress'), ...parameterBase }),
  z.object({ type: z.literal('network_ip'), ...parameterBase }),
]);
export type ApplicationParameter = z.infer<typeof ApplicationParameter>;

/** One element of an application's command-line template. */
export const InvocationParameter = z.discriminatedUnion('type', [
  z.object({ type: z.literal('word'), word: z.string() }),
  z.object({
    type: z.literal('var'),
    variableNames: z.array(z.string()).min(1),
    prefixGlobal: z.string().default(''),
    suffixGlobal: z.string().default(''),
    prefixVariable: z.string().default(''),
    suffixVariable: z.string().default(''),
    isPrefixVariablePartOfArg: z.boolean().default(false),
    isSuffixVariablePartOfArg: z.boolean().default(false),
  }),
  z.object({ type: z.literal('env'), variable: z.string().min(1) }),
  z.object({
    type: z.literal('bool_flag'),
    variableName: z.string().min(1),
    flag: z.string().min(1),
  }),
]);
export type InvocationParameter = z.infer<typeof InvocationParameter>;

export const ToolDescription = z.object({
  info: NameAndVersion,
  container: nullable(z.string()),
  defaultNumberOfNodes: z.number().int().min(1).default(1),
  defaultTimeAllocation: nullable(SimpleDuration),
  requiredModules: z.array(z.string()).default([]),
  authors: z.array(z.string()).default([]),
  title: z.string().default(''),
  description: z.string().default(''),
  backend: ToolBackend,
  license: z.string().default(''),
  image: nullable(z.string()),
  supportedProviders: nullable(z.array(z.string())),
});

export const Tool = z.object({
  owner: z.string().default('ucloud'),
  createdAt: z.number().int().default(0),
  modifiedAt: z.number().int().default(0),
  description: ToolDescription,
});
export type Tool = z.infer<typeof Tool>;

export const ToolReference = z.object({
  name: z.string(),
  version: z.string(),
  tool: nullable(Tool),
});

export const ApplicationType = z.enum(['BATCH', 'VNC', 'WEB']);
export type ApplicationType = z.infer<typeof ApplicationType>;

export const ApplicationMetadata = z.object({
  name: z.string().min(1),
  version: z.string().min(1),
  authors: z.array(z.string()).default([]),
  title: z.string().default(''),
  description: z.string().default(''),
  website: nullable(z.string()),
  public: z.boolean().default(true),
});

export const ApplicationInvocation = z.object({
  tool: ToolReference,
  invocation: z.array(InvocationParameter),
  parameters: z.array(ApplicationParameter).default([]),
  outputFileGlobs: z.array(z.string()).default(['*']),
  applicationType: ApplicationType.default('BATCH'),
  vnc: nullable(z.object({ port: z.number().int().default(5900), password: nullable(z.string()) })),
  web: nullable(z.object({ port: z.number().int().default(80) })),
  ssh: nullable(z.object({ mode: z.enum(['DISABLED', 'OPTIONAL', 'MANDATORY']) })),
  container: nullable(z.unknown()),
  environment: nullable(z.record(z.string(), InvocationParameter)),
  allowAdditionalMounts: nullable(z.boolean()),
  allowAdditionalPeers: nullable(z.boolean()),
  allowMultiNode: z.boolean().default(false),
  allowPublicIp: z.boolean().default(false),
  allowPublicLink: nullable(z.boolean()),
  fileExtensions: z.array(z.string()).default([]),
  licenseServers: z.array(z.string()).default([]),
});
export type ApplicationInvocation = z.infer<typeof ApplicationInvocation>;

export const Application = z.object({
  metadata: ApplicationMetadata,
  invocation: ApplicationInvocation,
});
export type Application = z.infer<typeof Application>;

export const ApplicationWithFavoriteAndTags = Application.extend({
  favorite: z.boolean().default(false),
  tags: z.array(z.string()).default([]),
});
export type ApplicationWithFavoriteAndTags = z.infer<typeof ApplicationWithFavoriteAndTags>;
