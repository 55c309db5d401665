import { describe, expect, it, vi } from 'vitest';
import { SessionTickets } from './session-tickets.js';

const session = { plugin: 'vm', jobId: '7', rank: 0, kind: 'VNC' as const };

describe('SessionTickets', () => {
  it('opens its session once', () => {
    const tickets = new SessionTickets<string>(60_000);
    const token = tickets.issue(session);
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(tickets.redeem(token)).toEqual(session);
    expect(tickets.redeem(token)).toBeNull();
  });

  it('opens nothing once expired, nor for a token it never issued', () => {
    vi.useFakeTimers();
    try {
      const tickets = new SessionTickets<string>(1_000);
      const token = tickets.issue(session);
      vi.advanceTimersByTime(1_001);
      expect(tickets.redeem(token)).toBeNull();
      expect(tickets.redeem('made-up')).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });
});
