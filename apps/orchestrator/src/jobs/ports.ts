import type {
  ComputeProduct,
  ComputeSupport,
  InteractiveSessionType,
  Job,
  JobState,
  JobsControlService,
  JobsRetrieveUtilizationResponse,
  JobsService,
  OpenSession,
  ProviderLogChunk,
  ProviderLogOffset,
  ResourceOwner,
  SimpleDuration,
} from '@ucloud/contracts';
import type { JobRow } from './job-view.js';

/**
 * What `jobs/` needs from the modules above it, declared here and given by `app.ts`, so that
 * `jobs/` imports none of them (a lint rule keeps it so): providers are reached through these
 * calls, wallets and licenses through these checks, and accounting follows state changes through
 * the metering hook.
 */

/** Whose a job is: its creator, and the project it belongs to, if any. */
export interface JobOwner {
  username: string;
  project: string | null;
}

/**
 * A provider's JobsProvider face as the Jobs service and followers call it. A refusal is thrown
 * as an ApiError carrying what it means to the caller (404, 409, 400, 503 …).
 */
export interface ProviderCalls {
  /** The provider's public address, which clients of interactive sessions are sent to. */
  readonly origin: string;
  extend(items: Array<{ job: Job; requestedTime: SimpleDuration }>): Promise<void>;
  suspend(jobs: Job[]): Promise<void>;
  unsuspend(jobs: Job[]): Promise<void>;
  retrieveUtilization(jobId: string, categoryId: string): Promise<JobsRetrieveUtilizationResponse>;
  openInteractiveSession(
    items: Array<{ job: Job; rank: number; sessionType: InteractiveSessionType; ticket: string }>,
  ): Promise<OpenSession[]>;
  init(principal: ResourceOwner): Promise<void>;
  /** A job's output from the given offsets; with `follow`, until it has ended and all is sent. */
  followLogs(
    job: Job,
    offsets: ProviderLogOffset[],
    follow: boolean,
    signal: AbortSignal,
  ): AsyncIterable<ProviderLogChunk>;
}

/** The configured providers: undefined for one this orchestrator does not know. */
export type ProviderLookup = (provider: string) => ProviderCalls | undefined;

/** What providers declare they support per product (fetched and cached by `providers/`). */
export interface SupportDeclarations {
  /** `mustKnow`: ask the provider even while backing off, when nothing is known of it yet. */
  supportOf(
    provider: string,
    productId: string,
    category: string,
    mustKnow?: boolean,
  ): Promise<ComputeSupport | null>;
  cached(provider: string, productId: string, category: string): ComputeSupport | null;
  /** Whether the provider has ever answered (otherwise "unsupported" cannot be told apart). */
  knows(provider: string): boolean;
}

/** One create request's check of its items against their wallets (accounting implements it). */
export interface FundsCheck {
  /** Refuses (402) an item its wallet cannot pay the first period of, after earlier items. */
  require(owner: JobOwner, product: ComputeProduct, replicas: number, field: string): void;
}

/** The license a job of `owner` names, if it may use it on `provider`; a 400 naming `field` else. */
export type LicenseCheck = (id: string, owner: JobOwner, provider: string, field: string) => number;

/** The metering columns of a job, which accounting owns and state changes move. */
export type MeterColumns = Pick<JobRow, 'runningMs' | 'runningSince' | 'nextChargeAt'>;

/** How a state change moves a job's meter (accounting/metering implements it). */
export interface MeteringHook {
  /** The meter after `job` moves to `to` at `at` (the provider's clock), as seen at `now`. */
  afterTransition(job: JobRow, to: JobState, at: number, now: number): MeterColumns;
}

/**
 * Interactive sessions as rows (sessions/ implements them): the Jobs service records each session
 * it opens; the gateways' and operators' calls are passed on.
 */
export interface SessionRecords
  extends
    Pick<JobsService, 'browseSessions'>,
    Pick<JobsControlService, 'redeemSession' | 'checkSessions' | 'closedSessions'> {
  /** Records a session `username` opens on a rank of `job`; answers its one-time ticket. */
  open(username: string, job: JobRow, rank: number, sessionType: InteractiveSessionType): string;
}

/** What jobs/ counts for the operator's metrics (metrics/ implements it; unit tests may leave it out). */
export interface JobMetrics {
  /** A job of `provider` was created (reported after commit, as are updates). */
  created(provider: string): void;
  /** An update was stored for a job of `provider` (after its creation). */
  updated(provider: string): void;
  /** A provider's update stamped `reportedAt` on its clock was stored at `storedAt` (epoch ms). */
  providerEventStored(provider: string, reportedAt: number, storedAt: number): void;
}
