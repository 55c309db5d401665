import { randomBytes } from 'node:crypto';
import type { InteractiveSessionType } from '@ucloud/contracts';
import type { PluginClient } from './plugin-client.js';

/** What a ticket lets its holder connect to. */
export interface SessionTicket<P = PluginClient> {
  plugin: P;
  jobId: string;
  rank: number;
  kind: InteractiveSessionType;
}

/**
 * One-time tickets for the sessions the gateway serves itself (VNC over WebSocket). A ticket is
 * handed only to the user who opened the session, through the orchestrator, which checked their
 * right to the job; it is used once and expires, so a link that leaks later opens nothing.
 */
export class SessionTickets<P = PluginClient> {
  private readonly tickets = new Map<string, SessionTicket<P> & { expiresAt: number }>();

  constructor(private readonly ttlMs: number) {}

  /** A new ticket (URL-safe, 192 random bits). */
  issue(ticket: SessionTicket<P>): string {
    this.prune();
    const token = randomBytes(24).toString('base64url');
    this.tickets.set(token, { ...ticket, expiresAt: Date.now() + this.ttlMs });
    return token;
  }

  /** The ticket's session, once: null when it is unknown, used or expired. */
  redeem(token: string): SessionTicket<P> | null {
    const held = this.tickets.get(token);
    this.tickets.delete(token);
    if (!held || held.expiresAt < Date.now()) return null;
    const { expiresAt: _, ...ticket } = held;
    return ticket;
  }

  private prune(): void {
    const now = Date.now();
    for (const [token, ticket] of this.tickets)
      if (ticket.expiresAt < now) this.tickets.delete(token);
  }
}
