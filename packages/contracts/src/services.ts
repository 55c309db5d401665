import type { ApplicationWithFavoriteAndTags } from './applications.js';
import type {
  BrowseWalletsRequest,
  JobUsage,
  RootAllocateItem,
  SubAllocateItem,
  UpdateAllocationItem,
  WalletV2,
} from './accounting.js';
import type { Actor } from './auth.js';
import type {
  ApiToken,
  IssuedToken,
  TokensBrowseRequest,
  TokensIssueItem,
  User,
  UsernameItem,
  UsersCreateItem,
} from './accounts.js';
import type {
  BrowseSessionsRequest,
  CheckSessionsRequest,
  ClosedSessionsRequest,
  InteractiveSession,
  RedeemedSession,
  RedeemSessionRequest,
  SessionToClose,
} from './sessions.js';
import type {
  License,
  LicenseProduct,
  LicensesBrowseRequest,
  LicensesCreateItem,
} from './licenses.js';
import type {
  Project,
  ProjectsBrowseRequest,
  ProjectsCreateGroupItem,
  ProjectsCreateItem,
  ProjectsDeleteMemberItem,
  ProjectsGroupMemberItem,
  ProjectsMemberItem,
  ProjectsRetrieveRequest,
} from './projects.js';
import type {
  Job,
  JobsOpenInteractiveSessionRequestItem,
  OpenSessionWithProvider,
  JobsBrowseRequest,
  JobsSearchRequest,
  JobsExtendRequestItem,
  JobsRetrieveUtilizationResponse,
  JobsFollowResponse,
  JobsRetrieveRequest,
  JobsCreateRequest,
  ResourceUpdateAndId,
} from './jobs.js';
import type { ComputeProduct, SupportByProvider } from './products.js';
import type {
  BulkRequest,
  BulkResponse,
  FindByStringId,
  NameAndVersion,
  PageV2,
  Unit,
  UpdatedAcl,
} from './shared.js';

export type UserActor = Extract<Actor, { kind: 'user' }>;
export type ProviderActor = Extract<Actor, { kind: 'provider' }>;

/** One message of a follow stream with the id a reconnecting follower resumes from. */
export interface FollowEvent {
  id: string;
  data: JobsFollowResponse;
}

/** The Jobs face (end users). The orchestrator implements it; the routers only validate and delegate. */
export interface JobsService {
  create(actor: UserActor, request: JobsCreateRequest): Promise<BulkResponse<FindByStringId>>;
  retrieve(actor: UserActor, request: JobsRetrieveRequest): Promise<Job>;
  browse(actor: UserActor, request: JobsBrowseRequest): Promise<PageV2<Job>>;
  search(actor: UserActor, request: JobsSearchRequest): Promise<PageV2<Job>>;
  terminate(actor: UserActor, request: BulkRequest<FindByStringId>): Promise<BulkResponse<Unit>>;
  extend(
    actor: UserActor,
    request: BulkRequest<JobsExtendRequestItem>,
  ): Promise<BulkResponse<Unit>>;
  suspend(actor: UserActor, request: BulkRequest<FindByStringId>): Promise<BulkResponse<Unit>>;
  unsuspend(actor: UserActor, request: BulkRequest<FindByStringId>): Promise<BulkResponse<Unit>>;
  retrieveUtilization(
    actor: UserActor,
    request: { jobId: string },
  ): Promise<JobsRetrieveUtilizationResponse>;
  updateAcl(actor: UserActor, request: BulkRequest<UpdatedAcl>): Promise<BulkResponse<Unit>>;
  retrieveProducts(actor: UserActor): Promise<SupportByProvider>;
  /** Interactive sessions, for operators: who is connected where (administrators only). */
  browseSessions(
    actor: UserActor,
    request: BrowseSessionsRequest,
  ): Promise<PageV2<InteractiveSession>>;
  openInteractiveSession(
    actor: UserActor,
    request: BulkRequest<JobsOpenInteractiveSessionRequestItem>,
  ): Promise<BulkResponse<OpenSessionWithProvider>>;
  /** Asks every provider to prepare for the caller (in their current workspace). */
  init(actor: UserActor): Promise<Unit>;
  follow(
    actor: UserActor,
    id: string,
    lastEventId: string | null,
    signal: AbortSignal | undefined,
  ): AsyncIterable<FollowEvent>;
}

/** The JobsControl face (gateways reporting for their provider). */
export interface JobsControlService {
  update(
    actor: ProviderActor,
    request: BulkRequest<ResourceUpdateAndId>,
    cursor: EventCursor | null,
  ): Promise<Unit>;
  /** The last plugin event sequence this provider's updates were acknowledged up to, per event stream. */
  retrieveCursor(actor: ProviderActor, stream: string): Promise<EventCursor | null>;
  /** Opens the session of a ticket, once: 403 when it is unknown, used or expired, or no longer allowed. */
  redeemSession(actor: ProviderActor, request: RedeemSessionRequest): Promise<RedeemedSession>;
  /** Of the given open sessions, those that must close now, with why. */
  checkSessions(actor: ProviderActor, request: CheckSessionsRequest): Promise<SessionToClose[]>;
  /** Records that sessions closed. */
  closedSessions(actor: ProviderActor, request: ClosedSessionsRequest): Promise<Unit>;
  browse(
    actor: ProviderActor,
    request: { next?: string | null; itemsPerPage?: number | null; filterActive?: boolean | null },
  ): Promise<PageV2<Job>>;
}

/** Where a provider's event stream was acknowledged up to. `seq` is a decimal string (uint64). */
export interface EventCursor {
  stream: string;
  seq: string;
}

export interface CatalogService {
  listApplications(
    actor: UserActor,
    page: { itemsPerPage: number; page: number },
  ): Promise<{
    itemsInTotal: number;
    itemsPerPage: number;
    pageNumber: number;
    items: Array<Pick<ApplicationWithFavoriteAndTags, 'metadata' | 'favorite' | 'tags'>>;
  }>;
  findApplication(actor: UserActor, ref: NameAndVersion): Promise<ApplicationWithFavoriteAndTags>;
  browseProducts(
    actor: UserActor,
    request: { itemsPerPage?: number | null; next?: string | null },
  ): Promise<PageV2<ComputeProduct>>;
}

/** Projects: membership and groups, the basis of project-owned jobs and group grants. */
export interface ProjectsService {
  create(
    actor: UserActor,
    request: BulkRequest<ProjectsCreateItem>,
  ): Promise<BulkResponse<FindByStringId>>;
  retrieve(actor: UserActor, request: ProjectsRetrieveRequest): Promise<Project>;
  /** The projects the caller is a member of (all of them, for an administrator). */
  browse(actor: UserActor, request: ProjectsBrowseRequest): Promise<PageV2<Project>>;
  addMember(
    actor: UserActor,
    request: BulkRequest<ProjectsMemberItem>,
  ): Promise<BulkResponse<Unit>>;
  deleteMember(
    actor: UserActor,
    request: BulkRequest<ProjectsDeleteMemberItem>,
  ): Promise<BulkResponse<Unit>>;
  createGroup(
    actor: UserActor,
    request: BulkRequest<ProjectsCreateGroupItem>,
  ): Promise<BulkResponse<FindByStringId>>;
  addGroupMember(
    actor: UserActor,
    request: BulkRequest<ProjectsGroupMemberItem>,
  ): Promise<BulkResponse<Unit>>;
  deleteGroupMember(
    actor: UserActor,
    request: BulkRequest<ProjectsGroupMemberItem>,
  ): Promise<BulkResponse<Unit>>;
}

/** Users and their API tokens: administrators manage users; everyone their own tokens. */
export interface AccountsService {
  createUsers(
    actor: UserActor,
    request: BulkRequest<UsersCreateItem>,
  ): Promise<BulkResponse<UsernameItem>>;
  browseUsers(actor: UserActor): Promise<{ items: User[] }>;
  disableUsers(actor: UserActor, request: BulkRequest<UsernameItem>): Promise<BulkResponse<Unit>>;
  issueTokens(
    actor: UserActor,
    request: BulkRequest<TokensIssueItem>,
  ): Promise<BulkResponse<IssuedToken>>;
  browseTokens(actor: UserActor, request: TokensBrowseRequest): Promise<{ items: ApiToken[] }>;
  revokeTokens(actor: UserActor, request: BulkRequest<FindByStringId>): Promise<BulkResponse<Unit>>;
}

/** Wallets, allocations and what jobs were charged. */
export interface AccountingService {
  browseWallets(actor: UserActor, request: BrowseWalletsRequest): Promise<PageV2<WalletV2>>;
  rootAllocate(
    actor: UserActor,
    request: BulkRequest<RootAllocateItem>,
  ): Promise<BulkResponse<{ id: number }>>;
  subAllocate(
    actor: UserActor,
    request: BulkRequest<SubAllocateItem>,
  ): Promise<BulkResponse<{ id: number }>>;
  updateAllocation(
    actor: UserActor,
    request: BulkRequest<UpdateAllocationItem>,
  ): Promise<BulkResponse<Unit>>;
  retrieveJobUsage(actor: UserActor, request: { jobId: string }): Promise<JobUsage>;
}

/** Licenses: activated from license products, bound to jobs through license_server parameters. */
export interface LicensesService {
  create(
    actor: UserActor,
    request: BulkRequest<LicensesCreateItem>,
  ): Promise<BulkResponse<FindByStringId>>;
  retrieve(actor: UserActor, request: FindByStringId): Promise<License>;
  /** The licenses of the caller's workspace. */
  browse(actor: UserActor, request: LicensesBrowseRequest): Promise<PageV2<License>>;
  /** Deactivates licenses; running jobs that use them are terminated. */
  delete(actor: UserActor, request: BulkRequest<FindByStringId>): Promise<BulkResponse<Unit>>;
  browseProducts(actor: UserActor): Promise<PageV2<LicenseProduct>>;
}

export interface Services {
  jobs: JobsService;
  licenses: LicensesService;
  accounting: AccountingService;
  projects: ProjectsService;
  control: JobsControlService;
  catalog: CatalogService;
  accounts: AccountsService;
}

export interface ApiContext {
  actor: Actor | null;
  services: Services;
}
