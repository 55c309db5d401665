import {
  type AppParameterValue,
  ApiError,
  type BrowseSessionsRequest,
  type InteractiveSession,
  badRequest,
  serviceUnavailable,
  durationToMillis,
  MAX_DURATION_HOURS,
  validateParameters,
  type BulkRequest,
  type BulkResponse,
  type FindByStringId,
  type FollowEvent,
  type Job,
  type JobIncludeFlags,
  type JobsBrowseRequest,
  type AclEntity,
  type Permission,
  type ResourceAclEntry,
  type UpdatedAcl,
  type JobsSearchRequest,
  type JobsCreateRequest,
  conflict,
  type JobsExtendRequestItem,
  type JobsOpenInteractiveSessionRequestItem,
  type OpenSessionWithProvider,
  type InteractiveSessionType,
  type JobsRetrieveUtilizationResponse,
  type ComputeProduct,
  type SupportFeature,
  isFinalState,
  supports,
  type JobSpecification,
  type JobsRetrieveRequest,
  type JobsService,
  type PageV2,
  type ResolvedComputeSupport,
  type SupportByProvider,
  type Unit,
  type UserActor,
} from '@ucloud/contracts';
import type { Logger } from 'pino';
import type { Catalog } from '../catalog/catalog.js';
import { FollowCursor } from './follow-cursor.js';
import { JobFollower, type FollowDeps } from './follow.js';
import { JobFeeds } from './job-feed.js';
import { permissionsOf, type Viewer } from './access.js';
import { configurationKey, requestHash } from './duplicates.js';
import { parseSpecification, toApiJob, toProviderJob, type JobRow } from './job-view.js';
import type { ProjectStore } from '../projects/store.js';
import type { JobAccess, Workspace } from './access.js';
import type { JobAclStore } from './acl-store.js';
import type { JobBrowser } from './browse.js';
import type {
  FundsCheck,
  LicenseCheck,
  ProviderCalls,
  SessionRecords,
  SupportDeclarations,
} from './ports.js';
import type { JobRepository } from './repository.js';
import type { JobTransitions } from './transitions.js';
import { pageOf } from '../paging.js';

export interface JobServiceDeps extends FollowDeps {
  jobs: JobRepository;
  transitions: JobTransitions;
  access: JobAccess;
  acl: JobAclStore;
  browser: JobBrowser;
  catalog: Catalog;
  projects: ProjectStore;
  support: SupportDeclarations;
  /** A check of one create request's items against their wallets. */
  funds(): FundsCheck;
  requireLicense: LicenseCheck;
  /** How long a charging period of the product is; null when it is free to use. */
  chargePeriodOf(product: ComputeProduct): number | null;
  sessions: SessionRecords;
  log: Logger;
}

const DEFAULT_PAGE = 50;

/** The capability a provider must declare for each kind of interactive session. */
const SESSION_FEATURE: Record<InteractiveSessionType, SupportFeature> = {
  SHELL: 'terminal',
  WEB: 'web',
  VNC: 'vnc',
};

/** Resources of the spec that no provider here offers yet, as a user would name them. */
const UNOFFERED_RESOURCES: Partial<Record<AppParameterValue['type'], string>> = {
  ingress: 'public links (ingress) to attach',
  network: 'public IP addresses to attach',
  block_storage: 'block storage volumes to attach',
};

/** The Jobs face: what end users call. */
export class JobService implements JobsService {
  /** One feed per followed job, shared by its followers. */
  private readonly feeds: JobFeeds;

  constructor(private readonly deps: JobServiceDeps) {
    this.feeds = new JobFeeds(deps);
  }

  private get jobs(): JobRepository {
    return this.deps.jobs;
  }

  async create(
    actor: UserActor,
    request: JobsCreateRequest,
  ): Promise<BulkResponse<FindByStringId>> {
    const idempotency = request.idempotencyKey
      ? {
          username: actor.username,
          key: request.idempotencyKey,
          requestHash: requestHash(request.items),
        }
      : null;
    if (idempotency) {
      const earlier = this.jobs.findIdempotent(actor.username, idempotency.key);
      if (earlier && earlier.requestHash !== idempotency.requestHash) {
        throw conflict('idempotencyKey: already used for a different request');
      }
      if (earlier) return { responses: earlier.jobIds.map((id) => ({ id: String(id) })) };
    }
    const workspace = this.workspaceOf(actor);
    const owner = { username: actor.username, project: workspace.project };
    // Everything is checked before anything is stored: a bad item leaves no trace of its batch.
    const accepted: string[] = [];
    // Comparing configurations costs a canonical JSON of each item: skipped when all allow twins.
    const checkDuplicates = request.items.some((spec) => spec.allowDuplicateJob !== true);
    const funds = this.deps.funds();
    const items = request.items.map((spec, i) => {
      const at = (field: string) => `items[${i}].${field}`;
      const product = this.deps.catalog.requireProduct(spec.product, at('product'));
      const app = this.deps.catalog.requireApplication(spec.application, at('application'));
      if (!this.deps.providers(product.category.provider)) {
        throw badRequest(
          `${at('product')}: provider ${product.category.provider} is not available`,
        );
      }
      // No provider offers restarts yet, and the spec says to reject the job rather than ignore the flag.
      if (spec.restartOnExit === true) {
        throw badRequest(
          `${at('restartOnExit')}: provider ${product.category.provider} does not restart jobs on exit`,
        );
      }
      if (spec.replicas > 1 && !app.invocation.allowMultiNode) {
        throw badRequest(`${at('replicas')}: ${app.metadata.name} runs on a single node only`);
      }
      try {
        validateParameters(app, spec.parameters, spec.resources);
      } catch (e) {
        if (e instanceof ApiError) throw new ApiError(e.code, `items[${i}].${e.message}`);
        throw e;
      }
      if (checkDuplicates) {
        const key = configurationKey(spec);
        if (spec.allowDuplicateJob !== true) this.refuseDuplicate(owner, key, spec, accepted, i);
        accepted.push(key);
      }
      funds.require(owner, product, spec.replicas, at('product'));
      const values = [
        ...Object.entries(spec.parameters ?? {}).map(
          ([name, v]) => [`parameters.${name}`, v] as const,
        ),
        ...(spec.resources ?? []).map((v, j) => [`resources[${j}]`, v] as const),
      ];
      for (const [field, v] of values) {
        if (v.type === 'peer') this.requirePeer(actor, v.jobId, at(`${field}.jobId`));
        const missing = UNOFFERED_RESOURCES[v.type];
        // Accepting one would start the job without what the user asked it to have.
        if (missing) throw badRequest(`${at(field)}: this deployment has no ${missing}`);
      }
      const licenseIds = values.flatMap(([field, v]) =>
        v.type === 'license_server'
          ? [this.deps.requireLicense(v.id, owner, product.category.provider, at(field))]
          : [],
      );
      return {
        owner,
        licenseIds,
        chargePeriodMs: this.deps.chargePeriodOf(product),
        specification: spec,
        timeAllocationMs: spec.timeAllocation ? durationToMillis(spec.timeAllocation) : null,
      };
    });
    const ids = this.deps.transitions.create(items, Date.now(), idempotency);
    return { responses: ids.map((id) => ({ id: String(id) })) };
  }

  /**
   * A peer opens the way from the new job to another: the caller must be able to see that job
   * (else it answers as missing, like any job they cannot see), and it must not have ended.
   */
  private requirePeer(actor: UserActor, jobId: string, field: string): void {
    const peer = this.requireJob(actor, jobId, field, 'READ');
    if (isFinalState(peer.state)) {
      throw badRequest(`${field}: job ${jobId} has ended (${peer.state}) and cannot be a peer`);
    }
  }

  /** Unless allowed, a job identical to an active one of the caller's (or an earlier item) is refused. */
  private refuseDuplicate(
    owner: { username: string; project: string | null },
    key: string,
    spec: JobSpecification,
    earlierItems: string[],
    i: number,
  ): void {
    const twin = this.jobs
      .activeOfOwner(owner, spec.application)
      .find((row) => configurationKey(parseSpecification(row)) === key);
    if (twin || earlierItems.includes(key)) {
      const which = twin ? `active job ${twin.id}` : 'an earlier item of this request';
      throw conflict(
        `items[${i}]: identical to ${which}; set allowDuplicateJob to start it anyway`,
      );
    }
  }

  async retrieve(actor: UserActor, request: JobsRetrieveRequest): Promise<Job> {
    const row = this.requireJob(actor, request.id, 'id', 'READ');
    if (request.includeSupport === true) await this.loadSupport([row]);
    const viewer = this.viewerOf(actor);
    return this.view(
      viewer,
      row,
      this.jobs.updatesOf(row.id),
      request,
      this.deps.acl.aclOf([row.id]),
    );
  }

  async search(actor: UserActor, request: JobsSearchRequest): Promise<PageV2<Job>> {
    return this.browse(actor, request, request.query);
  }

  async browse(actor: UserActor, request: JobsBrowseRequest, query?: string): Promise<PageV2<Job>> {
    const itemsPerPage = request.itemsPerPage ?? DEFAULT_PAGE;
    let after: number | null = null;
    if (request.next) {
      after = Number(request.next);
      if (!Number.isSafeInteger(after)) throw badRequest('next: not a cursor returned by browse');
    }
    const viewer = this.viewerOf(actor);
    const rows = this.deps.browser.browse({
      workspace: this.workspaceOf(actor, viewer),
      flags: request,
      query,
      itemsPerPage: itemsPerPage + 1,
      after,
      skip: request.itemsToSkip ?? 0,
      ascending: request.sortDirection === 'ascending',
    });
    const { page, next } = pageOf(rows, itemsPerPage);
    if (request.includeSupport === true) await this.loadSupport(page);
    const acl = this.deps.acl.aclOf(page.map((r) => r.id));
    const updates = this.jobs.updatesOfMany(
      page.map((r) => r.id),
      request.includeUpdates !== true,
    );
    return {
      itemsPerPage,
      items: page.map((row) => this.view(viewer, row, updates.get(row.id) ?? [], request, acl)),
      next,
    };
  }

  async terminate(
    actor: UserActor,
    request: BulkRequest<FindByStringId>,
  ): Promise<BulkResponse<Unit>> {
    const rows = request.items.map((item, i) =>
      this.requireJob(actor, item.id, `items[${i}].id`, 'EDIT'),
    );
    this.deps.transitions.requestTerminate(
      rows.map((r) => r.id),
      Date.now(),
    );
    return { responses: rows.map(() => ({})) };
  }

  async extend(
    actor: UserActor,
    request: BulkRequest<JobsExtendRequestItem>,
  ): Promise<BulkResponse<Unit>> {
    const targets = request.items.map((item, i) => ({
      item,
      row: this.requireJob(actor, item.jobId, `items[${i}].jobId`, 'EDIT'),
    }));
    // As the spec says: one job at a time, stopping at the first the provider refuses.
    for (const [i, { item, row }] of targets.entries()) {
      const at = `items[${i}]`;
      this.requireActive(row, at);
      if (row.timeAllocationMs === null)
        throw badRequest(`${at}.jobId: job ${row.id} has no time allocation to extend`);
      // Earlier items of this request may have extended the same job already.
      const allocated = this.jobs.get(row.id)?.timeAllocationMs ?? row.timeAllocationMs;
      if (allocated + durationToMillis(item.requestedTime) > MAX_DURATION_HOURS * 3_600_000)
        throw badRequest(
          `${at}.requestedTime: the job's time allocation would exceed ${MAX_DURATION_HOURS} hours (10 years) in all`,
        );
      const gateway = await this.requireSupport(row, 'timeExtension', `${at}: time extension`);
      await gateway
        .extend([{ job: this.providerJob(row), requestedTime: item.requestedTime }])
        .catch(rethrowAs(at));
      this.deps.transitions.atomically(() => {
        const current = this.jobs.get(row.id);
        if (current) this.jobs.extend(current, durationToMillis(item.requestedTime));
      });
    }
    return { responses: targets.map(() => ({})) };
  }

  async suspend(
    actor: UserActor,
    request: BulkRequest<FindByStringId>,
  ): Promise<BulkResponse<Unit>> {
    return this.suspendOrResume(actor, request, 'suspend');
  }

  async unsuspend(
    actor: UserActor,
    request: BulkRequest<FindByStringId>,
  ): Promise<BulkResponse<Unit>> {
    return this.suspendOrResume(actor, request, 'unsuspend');
  }

  /** The new state arrives as the provider's update; this only asks for it. */
  private async suspendOrResume(
    actor: UserActor,
    request: BulkRequest<FindByStringId>,
    action: 'suspend' | 'unsuspend',
  ) {
    const rows = request.items.map((item, i) =>
      this.requireJob(actor, item.id, `items[${i}].id`, 'EDIT'),
    );
    for (const [i, row] of rows.entries()) {
      const at = `items[${i}]`;
      const expected = action === 'suspend' ? 'RUNNING' : 'SUSPENDED';
      if (row.state !== expected)
        throw badRequest(
          `${at}.id: job ${row.id} is ${row.state}; only a ${expected} job can be ${action}ed`,
        );
      const gateway = await this.requireSupport(row, 'suspension', `${at}: suspension`);
      await gateway[action]([this.providerJob(row)]).catch(rethrowAs(at));
    }
    return { responses: rows.map(() => ({})) };
  }

  async retrieveUtilization(
    actor: UserActor,
    request: { jobId: string },
  ): Promise<JobsRetrieveUtilizationResponse> {
    const row = this.requireJob(actor, request.jobId, 'jobId', 'READ');
    const gateway = await this.requireSupport(row, 'utilization', 'utilization');
    return gateway
      .retrieveUtilization(String(row.id), row.productCategory)
      .catch(rethrowAs('jobId'));
  }

  async retrieveProducts(_actor: UserActor): Promise<SupportByProvider> {
    const productsByProvider: SupportByProvider['productsByProvider'] = {};
    for (const product of this.deps.catalog.listProducts()) {
      const support = await this.deps.support.supportOf(
        product.category.provider,
        product.name,
        product.category.name,
      );
      if (!support) continue;
      (productsByProvider[product.category.provider] ??= []).push({ product, support });
    }
    return { productsByProvider };
  }

  async openInteractiveSession(
    actor: UserActor,
    request: BulkRequest<JobsOpenInteractiveSessionRequestItem>,
  ): Promise<BulkResponse<OpenSessionWithProvider>> {
    const targets = request.items.map((item, i) => ({
      item,
      row: this.requireJob(actor, item.id, `items[${i}].id`, 'EDIT'),
    }));
    const responses: OpenSessionWithProvider[] = [];
    for (const [i, { item, row }] of targets.entries()) {
      const at = `items[${i}]`;
      if (row.state !== 'RUNNING')
        throw badRequest(`${at}.id: job ${row.id} is ${row.state}; sessions open to RUNNING jobs`);
      const spec = parseSpecification(row);
      if (item.rank >= spec.replicas)
        throw badRequest(`${at}.rank: job ${row.id} has ranks 0 to ${spec.replicas - 1}`);
      const invocation = this.deps.catalog.findApplication(spec.application)?.invocation;
      const appType = invocation?.applicationType;
      // A virtual machine's desktop is there whatever the application runs in it.
      const vmDesktop =
        item.sessionType === 'VNC' &&
        invocation?.tool.tool?.description.backend === 'VIRTUAL_MACHINE';
      if (item.sessionType !== 'SHELL' && appType !== item.sessionType && !vmDesktop)
        throw badRequest(
          `${at}.sessionType: ${spec.application.name} is a ${appType ?? 'unknown'} application, not ${item.sessionType}`,
        );
      const gateway = await this.requireSupport(
        row,
        SESSION_FEATURE[item.sessionType],
        `${at}: a ${item.sessionType} session`,
      );
      const ticket = this.deps.sessions.open(actor.username, row, item.rank, item.sessionType);
      const [session] = await gateway
        .openInteractiveSession([
          { job: this.providerJob(row), rank: item.rank, sessionType: item.sessionType, ticket },
        ])
        .catch(rethrowAs(at));
      if (!session) throw new ApiError('BAD_GATEWAY', `${at}: the provider opened no session`);
      responses.push({
        providerDomain: gateway.origin,
        providerId: row.provider,
        session,
      });
    }
    return { responses };
  }

  async browseSessions(
    actor: UserActor,
    request: BrowseSessionsRequest,
  ): Promise<PageV2<InteractiveSession>> {
    return this.deps.sessions.browseSessions(actor, request);
  }

  /** Every provider prepares for the caller in their current workspace. */
  async init(actor: UserActor): Promise<Unit> {
    const { project } = this.workspaceOf(actor);
    const principal = { createdBy: actor.username, project };
    await Promise.all(
      this.deps.catalog.providers().flatMap((id) => {
        const provider = this.deps.providers(id);
        return provider ? [provider.init(principal).catch(rethrowAs(`provider ${id}`))] : [];
      }),
    );
    return {};
  }

  follow(
    actor: UserActor,
    id: string,
    lastEventId: string | null,
    signal: AbortSignal | undefined,
  ): AsyncIterable<FollowEvent> {
    const row = this.requireJob(actor, id, 'id', 'READ');
    const cursor = FollowCursor.parse(lastEventId);
    if (!cursor) throw badRequest('lastEventId: not an event id of this follow stream');
    return new JobFollower(this.deps, this.feeds, row.id, cursor, signal).events();
  }

  /** Asks providers for declarations not cached yet, so includeSupport is filled even after a restart. */
  private async loadSupport(rows: JobRow[]): Promise<void> {
    const products = new Map(
      rows.map((r) => [`${r.provider}/${r.productCategory}/${r.productId}`, r]),
    );
    await Promise.all(
      [...products.values()].map((r) =>
        this.deps.support.supportOf(r.provider, r.productId, r.productCategory),
      ),
    );
  }

  private requireActive(row: JobRow, at: string): void {
    if (isFinalState(row.state))
      throw badRequest(`${at}: job ${row.id} has already ended (${row.state})`);
  }

  /** The job's gateway, once its provider has declared `feature` for the job's product and backend. */
  private async requireSupport(
    row: JobRow,
    feature: SupportFeature,
    what: string,
  ): Promise<ProviderCalls> {
    const gateway = this.deps.providers(row.provider);
    const support = await this.deps.support.supportOf(
      row.provider,
      row.productId,
      row.productCategory,
      true,
    );
    const app = this.deps.catalog.findApplication({
      name: row.applicationName,
      version: row.applicationVersion,
    });
    const backend = app?.invocation.tool.tool?.description.backend;
    if (gateway && !support && !this.deps.support.knows(row.provider)) {
      // Not "unsupported": the provider has not been reached to say.
      throw serviceUnavailable(
        `${what} cannot be checked: provider ${row.provider} is unreachable; try again later`,
      );
    }
    if (!gateway || !support || !backend || !supports(support, backend, feature)) {
      throw badRequest(
        `${what} is not supported by product ${row.productId} of provider ${row.provider}`,
      );
    }
    return gateway;
  }

  private providerJob(row: JobRow): Job {
    return toProviderJob(row, this.jobs.updatesOf(row.id), { catalog: this.deps.catalog });
  }

  private requireJob(actor: UserActor, id: string, field: string, needed: Permission): JobRow {
    return this.deps.access.require(actor, id, field, needed);
  }

  private viewerOf(actor: UserActor): Viewer {
    return this.deps.access.viewerOf(actor);
  }

  private workspaceOf(actor: UserActor, viewer = this.viewerOf(actor)): Workspace {
    return this.deps.access.workspaceOf(actor, viewer);
  }

  private view(
    viewer: Viewer,
    row: JobRow,
    updates: Parameters<typeof toApiJob>[1],
    flags: JobIncludeFlags,
    acl: Map<number, ResourceAclEntry[]>,
  ): Job {
    return toApiJob(row, updates, flags, {
      catalog: this.deps.catalog,
      supportOf: (r): ResolvedComputeSupport | null => {
        const product = this.deps.catalog.findProduct({
          provider: r.provider,
          category: r.productCategory,
          id: r.productId,
        });
        const support = this.deps.support.cached(r.provider, r.productId, r.productCategory);
        return product && support ? { product, support } : null;
      },
      permissionsOf: (r) => {
        const grants = acl.get(r.id) ?? [];
        const myself = permissionsOf(r, viewer, grants);
        const others = flags.includeOthers === true && myself.includes('ADMIN') ? grants : null;
        return { myself, others };
      },
    });
  }

  async updateAcl(actor: UserActor, request: BulkRequest<UpdatedAcl>): Promise<BulkResponse<Unit>> {
    const changes = request.items.map((item, i) => {
      const row = this.requireJob(actor, item.id, `items[${i}].id`, 'ADMIN');
      const entity = (e: AclEntity, at: string) => this.requireGrantee(row, e, at);
      return {
        jobId: row.id,
        added: item.added.map((entry, j) => {
          const at = `items[${i}].added[${j}]`;
          const permissions = entry.permissions.map((p, k) => {
            if (p !== 'READ' && p !== 'EDIT')
              throw badRequest(`${at}.permissions[${k}]: only READ and EDIT can be granted`);
            return p;
          });
          return { entity: entity(entry.entity, `${at}.entity`), permissions };
        }),
        deleted: item.deleted.map((e, j) => entity(e, `items[${i}].deleted[${j}]`)),
      };
    });
    this.deps.acl.updateAcl(changes);
    return { responses: changes.map(() => ({})) };
  }

  /** Personal jobs are shared with users; project jobs with groups of the same project. */
  private requireGrantee(row: JobRow, entity: AclEntity, at: string): AclEntity {
    if (row.ownerProject === null) {
      if (entity.type !== 'user')
        throw badRequest(`${at}: a personal job is shared with users, not project groups`);
      if (entity.username === row.ownerUsername)
        throw badRequest(`${at}: ${entity.username} owns the job already`);
      return entity;
    }
    if (entity.type !== 'project_group')
      throw badRequest(`${at}: a project job is shared with groups of its project, not users`);
    const group = this.deps.projects.group(entity.group);
    if (!group || group.projectId !== row.ownerProject || entity.projectId !== row.ownerProject)
      throw badRequest(`${at}.group: no group ${entity.group} in the job's project`);
    return entity;
  }
}

/** A provider's refusal becomes the caller's error, with the item it concerns and the same code. */
function rethrowAs(at: string) {
  return (e: unknown): never => {
    if (e instanceof ApiError) throw new ApiError(e.code, `${at}: ${e.message}`);
    throw e;
  };
}
