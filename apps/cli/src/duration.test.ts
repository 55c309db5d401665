import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it('reads hours, minutes and seconds in that order, normalised', () => {
    expect(parseDuration('1h30m')).toEqual({ hours: 1, minutes: 30, seconds: 0 });
    expect(parseDuration('90m')).toEqual({ hours: 1, minutes: 30, seconds: 0 });
    expect(parseDuration('45s')).toEqual({ hours: 0, minutes: 0, seconds: 45 });
    expect(parseDuration('2h')).toEqual({ hours: 2, minutes: 0, seconds: 0 });
    expect(parseDuration('1h0m30s')).toEqual({ hours: 1, minutes: 0, seconds: 30 });
    expect(parseDuration('3600s')).toEqual({ hours: 1, minutes: 0, seconds: 0 });
  });

  it('refuses what is not one, and nothing at all', () => {
    for (const text of ['', '90', '1.5h', '30m1h', '1d', '0m', '0h0m0s', 'h', '-1h', '1h 30m'])
      expect(() => parseDuration(text), text).toThrow(InvalidArgumentError);
  });

  it('formats as it reads', () => {
    expect(formatDuration({ hours: 1, minutes: 30, seconds: 0 })).toBe('1h30m');
    expect(formatDuration({ hours: 0, minutes: 0, seconds: 5 })).toBe('5s');
    expect(formatDuration({ hours: 0, minutes: 0, seconds: 0 })).toBe('0s');
  });
});
