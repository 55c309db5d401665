import type {
  BulkRequest,
  CheckSessionsRequest,
  ClosedSessionsRequest,
  EventCursor,
  Job,
  JobsControlService,
  PageV2,
  ProviderActor,
  RedeemedSession,
  RedeemSessionRequest,
  ResourceUpdateAndId,
  SessionToClose,
  Unit,
} from '@ucloud/contracts';
import type { Logger } from 'pino';
import type { Catalog } from '../catalog/catalog.js';
import { toProviderJob } from './job-view.js';
import type { JobMetrics, SessionRecords } from './ports.js';
import type { JobRepository } from './repository.js';
import type { JobTransitions } from './transitions.js';
import { pageOf } from '../paging.js';

const DEFAULT_PAGE = 50;

/** The JobsControl face: what a provider's gateway calls to report on its jobs. */
export class ControlService implements JobsControlService {
  constructor(
    private readonly jobs: JobRepository,
    private readonly transitions: JobTransitions,
    private readonly catalog: Catalog,
    private readonly sessions: SessionRecords,
    private readonly log: Logger,
    private readonly metrics?: JobMetrics,
  ) {}

  async update(
    actor: ProviderActor,
    request: BulkRequest<ResourceUpdateAndId>,
    cursor: EventCursor | null,
  ): Promise<Unit> {
    const result = this.transitions.applyProviderUpdates(
      actor.providerId,
      request.items,
      cursor,
      Date.now(),
    );
    if (result.ignored.length > 0) {
      this.log.debug(
        {
          provider: actor.providerId,
          jobIds: result.ignored.map((i) => i.id),
          ignored: result.ignored,
        },
        'provider updates not applied',
      );
    }
    if (this.metrics) this.observeLag(actor.providerId, request.items, result.changed);
    return {};
  }

  /** How late the updates stored reached us (resent and refused ones are left out). */
  private observeLag(provider: string, items: ResourceUpdateAndId[], changed: number[]): void {
    const storedAt = Date.now();
    const stored = new Set(changed.map(String));
    for (const { id, update } of items)
      if (update.timestamp !== null && stored.has(id))
        this.metrics?.providerEventStored(provider, update.timestamp, storedAt);
  }

  async retrieveCursor(actor: ProviderActor, stream: string): Promise<EventCursor | null> {
    return this.jobs.cursorOf(actor.providerId, stream);
  }

  async redeemSession(
    actor: ProviderActor,
    request: RedeemSessionRequest,
  ): Promise<RedeemedSession> {
    return this.sessions.redeemSession(actor, request);
  }

  async checkSessions(
    actor: ProviderActor,
    request: CheckSessionsRequest,
  ): Promise<SessionToClose[]> {
    return this.sessions.checkSessions(actor, request);
  }

  async closedSessions(actor: ProviderActor, request: ClosedSessionsRequest): Promise<Unit> {
    return this.sessions.closedSessions(actor, request);
  }

  /** The provider's active jobs, oldest first, whole (parameters, application and product resolved). */
  async browse(
    actor: ProviderActor,
    request: { next?: string | null; itemsPerPage?: number | null },
  ): Promise<PageV2<Job>> {
    const itemsPerPage = request.itemsPerPage ?? DEFAULT_PAGE;
    const rows = this.jobs.activeOfProvider(
      actor.providerId,
      Number(request.next ?? 0) || 0,
      itemsPerPage + 1,
    );
    const { page, next } = pageOf(rows, itemsPerPage);
    return {
      itemsPerPage,
      items: page.map((row) =>
        toProviderJob(row, this.jobs.updatesOf(row.id), { catalog: this.catalog }),
      ),
      next,
    };
  }
}
