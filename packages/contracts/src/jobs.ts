import { z } from 'zod';
import { AppParameterValue, Application } from './applications.js';
import { ComputeProduct, ResolvedComputeSupport } from './products.js';
import {
  NameAndVersion,
  nullable,
  PaginationV2,
  ProductReference,
  QueryBool,
  QueryInt,
  ResourceOwner,
  ResourcePermissions,
  SimpleDuration,
} from './shared.js';

export const JobState = z.enum([
  'IN_QUEUE',
  'RUNNING',
  'CANCELING',
  'SUCCESS',
  'FAILURE',
  'EXPIRED',
  'SUSPENDED',
]);
export type JobState = z.infer<typeof JobState>;

export const InteractiveSessionType = z.enum(['WEB', 'VNC', 'SHELL']);
export type InteractiveSessionType = z.infer<typeof InteractiveSessionType>;

/** Upper bound on replicas of one job; a provider may accept fewer. */
export const MAX_REPLICAS = 1000;

export const JobSpecification = z.object({
  application: NameAndVersion,
  product: ProductReference,
  name: nullable(z.string().max(200, 'must be at most 200 characters')),
  replicas: z
    .number()
    .int()
    .min(1, 'must be at least 1')
    .max(MAX_REPLICAS, `must be at most ${MAX_REPLICAS}`)
    .nullish()
    .transform((v) => v ?? 1),
  allowDuplicateJob: nullable(z.boolean()),
  parameters: nullable(z.record(z.string(), AppParameterValue)),
  resources: nullable(z.array(AppParameterValue)),
  timeAllocation: nullable(SimpleDuration),
  openedFile: nullable(z.string()),
  restartOnExit: nullable(z.boolean()),
  sshEnabled: nullable(z.boolean()),
});
export type JobSpecification = z.infer<typeof JobSpecification>;
export type JobSpecificationInput = z.input<typeof JobSpecification>;

export const JobUpdate = z.object({
  state: nullable(JobState),
  outputFolder: nullable(z.string()),
  status: nullable(z.string()),
  expectedState: nullable(JobState),
  expectedDifferentState: nullable(z.boolean()),
  newTimeAllocation: nullable(z.number().int()),
  allowRestart: nullable(z.boolean()),
  newMounts: nullable(z.array(z.string())),
  timestamp: nullable(z.number().int()),
});
export type JobUpdate = z.infer<typeof JobUpdate>;
export type JobUpdateInput = z.input<typeof JobUpdate>;

/** ExportedParameters: what the job was started with, in the spec's exported form. */
export const ExportedParameters = z.object({
  siteVersion: z.number().int(),
  request: z.record(z.string(), z.unknown()),
  resolvedResources: nullable(z.object({ ingress: nullable(z.record(z.string(), z.unknown())) })),
  machineType: z.record(z.string(), z.unknown()),
});

export const JobStatus = z.object({
  state: JobState,
  jobParametersJson: nullable(ExportedParameters),
  startedAt: nullable(z.number().int()),
  expiresAt: nullable(z.number().int()),
  resolvedApplication: nullable(Application),
  resolvedSupport: nullable(ResolvedComputeSupport),
  resolvedProduct: nullable(ComputeProduct),
  allowRestart: z.boolean().default(false),
});
export type JobStatus = z.infer<typeof JobStatus>;

export const JobOutput = z.object({ outputFolder: nullable(z.string()) });

export const Job = z.object({
  id: z.string(),
  owner: ResourceOwner,
  updates: z.array(JobUpdate),
  specification: JobSpecification,
  status: JobStatus,
  createdAt: z.number().int(),
  output: nullable(JobOutput),
  permissions: nullable(ResourcePermissions),
  providerGeneratedId: nullable(z.string()),
});
export type Job = z.infer<typeof Job>;

const optBool = QueryBool.nullish();
const optString = z.string().nullish();

/** Most ids a `filterIds` or `filterProviderIds` list may name: each is one SQL parameter. */
export const MAX_FILTER_IDS = 1000;
const idList = z
  .string()
  .refine((v) => v.split(',').length <= MAX_FILTER_IDS, `must name at most ${MAX_FILTER_IDS} ids`)
  .nullish();

/**
 * JobIncludeFlags; flat, so the same schema parses a query string and a tRPC input. Requests are
 * strict objects: a misspelled parameter is refused, never silently ignored.
 */
export const JobIncludeFlags = z.strictObject({
  filterApplication: optString,
  filterState: JobState.nullish(),
  includeParameters: optBool,
  includeApplication: optBool,
  includeProduct: optBool,
  includeOthers: optBool,
  includeUpdates: optBool,
  includeSupport: optBool,
  filterCreatedBy: optString,
  filterCreatedAfter: QueryInt.nullish(),
  filterCreatedBefore: QueryInt.nullish(),
  filterProvider: optString,
  filterProductId: optString,
  filterProductCategory: optString,
  filterProviderIds: idList,
  filterIds: idList,
  hideProductId: optString,
  hideProductCategory: optString,
  hideProvider: optString,
});
export type JobIncludeFlags = z.infer<typeof JobIncludeFlags>;

export const JobsRetrieveRequest = JobIncludeFlags.extend({
  id: z.string().min(1, 'must not be empty'),
});
export type JobsRetrieveRequest = z.infer<typeof JobsRetrieveRequest>;

export const JobsBrowseRequest = JobIncludeFlags.extend({
  ...PaginationV2.shape,
  sortBy: nullable(z.enum(['createdAt'])),
  sortDirection: nullable(z.enum(['ascending', 'descending'])),
});
export type JobsBrowseRequest = z.infer<typeof JobsBrowseRequest>;

/** Jobs.search: browse's flags and paging, narrowed to jobs whose id, name or application matches `query`. */
export const JobsSearchRequest = JobsBrowseRequest.extend({
  query: z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
});
export type JobsSearchRequest = z.infer<typeof JobsSearchRequest>;

export const JobsExtendRequestItem = z.strictObject({
  jobId: z.string().min(1),
  requestedTime: SimpleDuration,
});
export type JobsExtendRequestItem = z.infer<typeof JobsExtendRequestItem>;

export const JobsOpenInteractiveSessionRequestItem = z.strictObject({
  id: z.string().min(1),
  rank: z.number().int().min(0),
  sessionType: InteractiveSessionType,
});
export type JobsOpenInteractiveSessionRequestItem = z.infer<
  typeof JobsOpenInteractiveSessionRequestItem
>;

export const JobsLog = z.object({
  rank: z.number().int(),
  stdout: nullable(z.string()),
  stderr: nullable(z.string()),
});
export type JobsLog = z.infer<typeof JobsLog>;

export const JobsFollowRequest = z.strictObject({ id: z.string().min(1, 'must not be empty') });

export const JobsFollowResponse = z.object({
  updates: z.array(JobUpdate),
  log: z.array(JobsLog),
  newStatus: nullable(JobStatus),
});
export type JobsFollowResponse = z.infer<typeof JobsFollowResponse>;

export const OpenSession = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('shell'),
    jobId: z.string(),
    rank: z.number().int(),
    sessionIdentifier: z.string(),
  }),
  z.object({
    type: z.literal('vnc'),
    jobId: z.string(),
    rank: z.number().int(),
    url: z.string(),
    password: nullable(z.string()),
  }),
  z.object({
    type: z.literal('web'),
    jobId: z.string(),
    rank: z.number().int(),
    redirectClientTo: z.string(),
  }),
]);
export type OpenSession = z.infer<typeof OpenSession>;

export const OpenSessionWithProvider = z.object({
  providerDomain: z.string(),
  providerId: z.string(),
  session: OpenSession,
});
export type OpenSessionWithProvider = z.infer<typeof OpenSessionWithProvider>;

export const CpuAndMemory = z.object({ cpu: z.number(), memory: z.number().int() });
export const QueueStatus = z.object({ running: z.number().int(), pending: z.number().int() });
export const JobsRetrieveUtilizationRequest = z.strictObject({ jobId: z.string().min(1) });
export const JobsRetrieveUtilizationResponse = z.object({
  capacity: CpuAndMemory,
  usedCapacity: CpuAndMemory,
  queueStatus: QueueStatus,
});
export type JobsRetrieveUtilizationResponse = z.infer<typeof JobsRetrieveUtilizationResponse>;

/**
 * JobsControl.update item: a provider's report about one job. `providerGeneratedId` is our
 * extension of the spec's shape: the provider's own id for the job, for providers that learn it
 * only after answering create (a scheduler that was down when the job came).
 */
export const ResourceUpdateAndId = z.object({
  id: z.string().min(1),
  update: JobUpdate,
  providerGeneratedId: z.string().min(1).nullish(),
});
export type ResourceUpdateAndId = z.infer<typeof ResourceUpdateAndId>;

/** Jobs.create: the spec's BulkRequest, plus an optional key that makes a retried request return the first answer. */
export const JobsCreateRequest = z.strictObject({
  items: z
    .array(JobSpecification.strict())
    .min(1, 'must contain at least one item')
    .max(1000, 'must contain at most 1000 items'),
  idempotencyKey: z.string().min(1).max(200).nullish(),
});
export type JobsCreateRequest = z.infer<typeof JobsCreateRequest>;
