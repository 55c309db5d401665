import { z } from 'zod';
import { SessionTicket } from './sessions.js';
import { InteractiveSessionType, Job } from './jobs.js';
import { BulkRequest, ResourceOwner, SimpleDuration } from './shared.js';

/**
 * The JobsProvider face: what the orchestrator calls on a provider's gateway, under
 * `/ucloud/<providerId>/jobs…`, authenticated with the provider's shared bearer token.
 * Jobs are sent whole, with `status.resolvedApplication` and `status.resolvedProduct` filled in.
 */
export const providerRoutes = (providerId: string) => {
  const base = `/ucloud/${encodeURIComponent(providerId)}/jobs`;
  return {
    create: base, // POST BulkRequest<Job> → BulkResponse<FindByStringId | null>
    terminate: `${base}/terminate`, // POST BulkRequest<Job> → BulkResponse<Unit>
    extend: `${base}/extend`, // POST BulkRequest<JobsProviderExtendRequestItem> → BulkResponse<Unit>
    suspend: `${base}/suspend`, // POST BulkRequest<JobsProviderSuspendRequestItem> → BulkResponse<Unit>
    unsuspend: `${base}/unsuspend`, // POST BulkRequest<JobsProviderSuspendRequestItem> → BulkResponse<Unit>
    verify: `${base}/verify`, // POST BulkRequest<Job> → Unit
    retrieveProducts: `${base}/retrieveProducts`, // GET → BulkResponse<ComputeSupport>
    retrieveUtilization: `${base}/retrieveUtilization`, // POST { jobId, categoryId? } → JobsRetrieveUtilizationResponse
    follow: `${base}/follow`, // POST JobsProviderFollowRequest → NDJSON stream of ProviderLogChunk
    openInteractiveSession: `${base}/interactiveSession`, // POST BulkRequest<JobsProviderOpenInteractiveSessionRequestItem> → BulkResponse<OpenSession>
    init: `${base}/init`, // POST JobsProviderInitRequest → Unit
  };
};

export const ProviderJobsBulk = BulkRequest(Job);

export const JobsProviderExtendRequestItem = z.object({ job: Job, requestedTime: SimpleDuration });
export const JobsProviderSuspendRequestItem = z.object({ job: Job });
export const JobsProviderOpenInteractiveSessionRequestItem = z.object({
  job: Job,
  rank: z.number().int().min(0),
  sessionType: InteractiveSessionType,
  /**
   * Our extension: the ticket of the session the orchestrator recorded, which the gateway puts
   * in the link or identifier of a session it serves itself and redeems when the user connects.
   */
  ticket: SessionTicket.optional(),
});
/** The spec's ResourceInitializationRequest: who is about to use the provider. */
export const JobsProviderInitRequest = z.object({ principal: ResourceOwner });
export type JobsProviderInitRequest = z.infer<typeof JobsProviderInitRequest>;

export const LogStreamName = z.enum(['stdout', 'stderr']);
export type LogStreamName = z.infer<typeof LogStreamName>;

export const ProviderLogOffset = z.object({
  rank: z.number().int().min(0),
  stream: LogStreamName,
  offset: z.number().int().min(0),
});
export type ProviderLogOffset = z.infer<typeof ProviderLogOffset>;

export const JobsProviderFollowRequest = z.object({
  job: Job,
  /** Byte offsets to resume from; absent (rank, stream) pairs start at 0. */
  offsets: z.array(ProviderLogOffset).default([]),
  /** Keep streaming until the job has ended and every byte has been sent. */
  follow: z.boolean().default(true),
});
export type JobsProviderFollowRequest = z.input<typeof JobsProviderFollowRequest>;

/** One line of the follow stream (application/x-ndjson). `data` is base64: chunks may split UTF-8 characters. */
export const ProviderLogChunk = z.object({
  rank: z.number().int().min(0),
  stream: LogStreamName,
  offset: z.number().int().min(0),
  data: z.string(),
});
export type ProviderLogChunk = z.infer<typeof ProviderLogChunk>;
