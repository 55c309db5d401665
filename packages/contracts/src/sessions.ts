import { z } from 'zod';
import { InteractiveSessionType } from './jobs.js';
import { QueryBool, QueryInt } from './shared.js';

/**
 * Interactive sessions (shell, web, VNC) as the orchestrator keeps them: each opened session is a
 * row bound to a user, a job and a rank, reached through a one-time ticket that expires. The
 * gateway redeems the ticket when the user connects, asks which of its open sessions must close
 * (the job ended or was suspended, the user lost EDIT), and reports those it closed.
 */

/** The one-time ticket a session's link or identifier carries (URL-safe, 192 random bits). */
export const SessionTicket = z.string().regex(/^[A-Za-z0-9_-]{32}$/, 'is not a session ticket');

export const RedeemSessionRequest = z.object({ ticket: SessionTicket });
export type RedeemSessionRequest = z.infer<typeof RedeemSessionRequest>;

/** What a redeemed ticket opens. */
export const RedeemedSession = z.object({
  sessionId: z.string(),
  jobId: z.string(),
  rank: z.number().int().min(0),
  sessionType: InteractiveSessionType,
  username: z.string(),
});
export type RedeemedSession = z.infer<typeof RedeemedSession>;

export const CheckSessionsRequest = z.object({ ids: z.array(z.string().min(1)).max(1000) });
export type CheckSessionsRequest = z.infer<typeof CheckSessionsRequest>;

/** A session that must close, and why (in words for its user). */
export const SessionToClose = z.object({ id: z.string(), reason: z.string() });
export type SessionToClose = z.infer<typeof SessionToClose>;

export const ClosedSessionsRequest = z.object({
  items: z.array(z.object({ id: z.string().min(1), reason: z.string().max(500) })).max(1000),
});
export type ClosedSessionsRequest = z.infer<typeof ClosedSessionsRequest>;

/** A session as an operator lists it. Times are epoch ms. */
export const InteractiveSession = z.object({
  id: z.string(),
  jobId: z.string(),
  rank: z.number().int(),
  sessionType: InteractiveSessionType,
  username: z.string(),
  provider: z.string(),
  createdAt: z.number(),
  expiresAt: z.number(),
  connectedAt: z.number().nullable(),
  closedAt: z.number().nullable(),
  closeReason: z.string().nullable(),
});
export type InteractiveSession = z.infer<typeof InteractiveSession>;

/** Query-string friendly, as `GET /api/jobs/sessions?filterOpen=true&itemsPerPage=50` sends it. */
export const BrowseSessionsRequest = z.object({
  /** Only sessions not closed yet, leaving out tickets that expired unused. */
  filterOpen: QueryBool.nullish(),
  itemsPerPage: QueryInt.min(1).max(250).nullish(),
  next: z.string().nullish(),
});
export type BrowseSessionsRequest = z.infer<typeof BrowseSessionsRequest>;
