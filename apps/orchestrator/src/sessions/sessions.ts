import {
  badRequest,
  forbidden,
  isFinalState,
  type BrowseSessionsRequest,
  type CheckSessionsRequest,
  type ClosedSessionsRequest,
  type InteractiveSession,
  type InteractiveSessionType,
  type PageV2,
  type ProviderActor,
  type RedeemedSession,
  type RedeemSessionRequest,
  type SessionToClose,
  type Unit,
  type UserActor,
} from '@ucloud/contracts';
import { randomBytes } from 'node:crypto';
import { hashToken } from '../auth/tokens.js';
import type { JobAccess } from '../jobs/access.js';
import type { JobRow } from '../jobs/job-view.js';
import type { SessionRecords } from '../jobs/ports.js';
import { pageOf } from '../paging.js';
import type { SessionAndJob, SessionRow, SessionStore } from './session-store.js';

export interface SessionRulesDeps {
  store: SessionStore;
  access: Pick<JobAccess, 'holdsEach'>;
  /** How long a new session's ticket may be redeemed. */
  ticketTtlMs: number;
}

const DEFAULT_PAGE = 50;

/**
 * The rules of interactive sessions. A session is opened by a user holding EDIT on a RUNNING
 * job, for one rank; its ticket opens it once, within the ticket's lifetime, through the gateway
 * of the job's provider, and only while the job still runs and the user still holds EDIT. Once
 * connected it must close as soon as either stops being so: the gateway asks, closes and reports.
 */
export class SessionRules implements SessionRecords {
  constructor(private readonly deps: SessionRulesDeps) {}

  open(username: string, job: JobRow, rank: number, sessionType: InteractiveSessionType): string {
    // 192 random bits, URL-safe: the contract's SessionTicket. Only its hash is stored.
    const ticket = randomBytes(24).toString('base64url');
    const now = Date.now();
    this.deps.store.insert({
      ticketHash: hashToken(ticket),
      jobId: job.id,
      rank,
      sessionType,
      username,
      provider: job.provider,
      createdAt: now,
      expiresAt: now + this.deps.ticketTtlMs,
    });
    return ticket;
  }

  async redeemSession(
    actor: ProviderActor,
    request: RedeemSessionRequest,
  ): Promise<RedeemedSession> {
    const found = this.deps.store.byTicketHash(hashToken(request.ticket));
    // Another provider's ticket is refused as an unknown one: nothing is told of its session.
    if (!found || found.session.provider !== actor.providerId)
      throw forbidden('ticket: no session has this ticket');
    const { session, job } = found;
    if (session.connectedAt !== null || session.closedAt !== null)
      throw forbidden('ticket: used already; open a new session');
    if (Date.now() >= session.expiresAt) throw forbidden('ticket: expired; open a new session');
    const [reason] = this.reasonsToClose([found]).values();
    if (reason !== undefined) throw forbidden(`ticket: ${reason}`);
    // One-time by the update's condition too, not only by the read above.
    if (!this.deps.store.connect(session.id, Date.now()))
      throw forbidden('ticket: used already; open a new session');
    return {
      sessionId: String(session.id),
      jobId: String(job.id),
      rank: session.rank,
      sessionType: session.sessionType,
      username: session.username,
    };
  }

  async checkSessions(
    actor: ProviderActor,
    request: CheckSessionsRequest,
  ): Promise<SessionToClose[]> {
    const ids = [...new Set(request.ids)];
    const found = new Map(
      this.deps.store
        .ofProvider(
          actor.providerId,
          ids.flatMap((id) => idOf(id) ?? []),
        )
        .map((f) => [String(f.session.id), f]),
    );
    const toClose: SessionToClose[] = [];
    const connected: SessionAndJob[] = [];
    for (const id of ids) {
      const f = found.get(id);
      if (!f) toClose.push({ id, reason: 'the session is unknown' });
      else if (f.session.closedAt !== null)
        toClose.push({ id, reason: f.session.closeReason ?? 'the session was closed' });
      else if (f.session.connectedAt === null)
        toClose.push({ id, reason: 'the session was never opened with its ticket' });
      else connected.push(f);
    }
    for (const [f, reason] of this.reasonsToClose(connected))
      toClose.push({ id: String(f.session.id), reason });
    return toClose;
  }

  async closedSessions(actor: ProviderActor, request: ClosedSessionsRequest): Promise<Unit> {
    const items = request.items.flatMap(({ id, reason }) => {
      const n = idOf(id);
      return n === null ? [] : [{ id: n, reason }];
    });
    this.deps.store.close(actor.providerId, items, Date.now());
    return {};
  }

  async browseSessions(
    actor: UserActor,
    request: BrowseSessionsRequest,
  ): Promise<PageV2<InteractiveSession>> {
    if (!actor.admin) throw forbidden('Only administrators list interactive sessions');
    const itemsPerPage = request.itemsPerPage ?? DEFAULT_PAGE;
    const before = request.next ? idOf(request.next) : null;
    if (request.next && before === null)
      throw badRequest('next: not a cursor returned by browseSessions');
    const rows = this.deps.store.page({
      openAt: request.filterOpen === true ? Date.now() : null,
      before,
      limit: itemsPerPage + 1,
    });
    const { page, next } = pageOf(rows, itemsPerPage);
    return { itemsPerPage, items: page.map(toApi), next };
  }

  /**
   * Why each session may not stay open, for those that may not: its job no longer runs, or its
   * user no longer holds EDIT on it (an ACL change, leaving the project). Permissions are read
   * only for sessions of running jobs, all at once.
   */
  private reasonsToClose(sessions: readonly SessionAndJob[]): Map<SessionAndJob, string> {
    const reasons = new Map<SessionAndJob, string>();
    const running: SessionAndJob[] = [];
    for (const f of sessions) {
      const { state } = f.job;
      if (state === 'RUNNING') running.push(f);
      else if (isFinalState(state)) reasons.set(f, `the job has ended (${state})`);
      else reasons.set(f, `the job is ${state}`);
    }
    const holds = this.deps.access.holdsEach(
      running.map((f) => ({ username: f.session.username, job: f.job })),
      'EDIT',
    );
    running.forEach((f, i) => {
      if (holds[i] !== true) reasons.set(f, 'you no longer have EDIT permission on the job');
    });
    return reasons;
  }
}

/** A session id as stored, or null for a string that cannot be one. */
function idOf(id: string): number | null {
  const n = Number(id);
  return /^\d+$/.test(id) && Number.isSafeInteger(n) ? n : null;
}

function toApi(row: SessionRow): InteractiveSession {
  return {
    id: String(row.id),
    jobId: String(row.jobId),
    rank: row.rank,
    sessionType: row.sessionType,
    username: row.username,
    provider: row.provider,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    connectedAt: row.connectedAt,
    closedAt: row.closedAt,
    closeReason: row.closeReason,
  };
}
