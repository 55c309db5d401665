import { describe, expect, it } from 'vitest';
import { allocationPeriod, formatDate, parseDate } from './dates.js';

describe('parseDate', () => {
  it('reads epoch milliseconds and ISO dates, a bare date as midnight UTC', () => {
    expect(parseDate('1735689600000')).toBe(Date.UTC(2025, 0, 1));
    expect(parseDate('2025-01-01')).toBe(Date.UTC(2025, 0, 1));
    expect(parseDate('2025-01-31T12:30:00Z')).toBe(Date.UTC(2025, 0, 31, 12, 30));
    expect(parseDate('2025-01-31T12:30+02:00')).toBe(Date.UTC(2025, 0, 31, 10, 30));
    expect(parseDate('2025-01-31T12:30:00.250Z')).toBe(Date.UTC(2025, 0, 31, 12, 30, 0, 250));
  });

  it('refuses what is not a date instead of guessing', () => {
    for (const text of ['', 'tomorrow', 'Jan 1 2025', '2025-02-30', '2025-13-01', '-5', '1.5'])
      expect(() => parseDate(text), text).toThrow(/expected an ISO date/);
    expect(() => parseDate('99999999999999999999')).toThrow(/expected an ISO date/);
  });
});

describe('allocationPeriod', () => {
  const now = Date.UTC(2025, 5, 15, 8);

  it('runs from now for a calendar year unless told otherwise', () => {
    expect(allocationPeriod(undefined, undefined, now)).toEqual({
      startDate: now,
      endDate: Date.UTC(2026, 5, 15, 8),
    });
    const start = Date.UTC(2025, 0, 1);
    expect(allocationPeriod(start, undefined, now)).toEqual({
      startDate: start,
      endDate: Date.UTC(2026, 0, 1),
    });
    expect(allocationPeriod(undefined, now + 1000, now)).toEqual({
      startDate: now,
      endDate: now + 1000,
    });
  });
});

describe('formatDate', () => {
  it('shows UTC to the second', () => {
    expect(formatDate(Date.UTC(2025, 0, 31, 12, 30, 5, 999))).toBe('2025-01-31T12:30:05Z');
  });
});
