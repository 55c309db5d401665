import { describe, expect, it, vi } from 'vitest';
import { SessionTickets } from './session-tickets.js';

const TICKET = 'a'.repeat(32);
const target = { plugin: 'vm', sessionType: 'VNC' as const };

describe('SessionTickets', () => {
  it('routes a ticket once', () => {
    const tickets = new SessionTickets<string>(60_000);
    tickets.remember(TICKET, target);
    expect(tickets.take(TICKET)).toEqual(target);
    expect(tickets.take(TICKET)).toBeNull();
  });

  it('routes nothing once expired, nor a ticket it never saw', () => {
    vi.useFakeTimers();
    try {
      const tickets = new SessionTickets<string>(1_000);
      tickets.remember(TICKET, target);
      vi.advanceTimersByTime(1_001);
      expect(tickets.take(TICKET)).toBeNull();
      expect(tickets.take('b'.repeat(32))).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });
});
