import type { InteractiveSessionType } from '@ucloud/contracts';
import type { PluginClient } from './plugin-client.js';

/** Where a ticket's session goes: the plugin that runs its job. */
export interface TicketTarget<P = PluginClient> {
  plugin: P;
  sessionType: InteractiveSessionType;
}

/**
 * The tickets of the sessions this gateway serves itself (shell, VNC, web), as the orchestrator
 * issued them through openInteractiveSession, with the plugin each goes to. The orchestrator
 * decides whether a ticket may open (redeemSession); this only routes it, once, before it expires.
 * A gateway restarted in between forgets its tickets: the user opens the session again.
 */
export class SessionTickets<P = PluginClient> {
  private readonly tickets = new Map<string, TicketTarget<P> & { expiresAt: number }>();

  constructor(private readonly ttlMs: number) {}

  remember(ticket: string, target: TicketTarget<P>): void {
    this.prune();
    this.tickets.set(ticket, { ...target, expiresAt: Date.now() + this.ttlMs });
  }

  /** The ticket's target, once: null when unknown, taken before or expired. */
  take(ticket: string): TicketTarget<P> | null {
    const held = this.tickets.get(ticket);
    this.tickets.delete(ticket);
    if (!held || held.expiresAt < Date.now()) return null;
    return { plugin: held.plugin, sessionType: held.sessionType };
  }

  private prune(): void {
    const now = Date.now();
    for (const [ticket, held] of this.tickets)
      if (held.expiresAt < now) this.tickets.delete(ticket);
  }
}
