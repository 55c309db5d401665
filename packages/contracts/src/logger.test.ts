import { describe, expect, it } from 'vitest';
import { logFormat } from './logger.js';

describe('logFormat', () => {
  it('is pretty on a terminal and JSON otherwise', () => {
    expect(logFormat({}, true)).toBe('pretty');
    expect(logFormat({}, false)).toBe('json');
  });

  it('follows LOG_FORMAT when it names a format', () => {
    expect(logFormat({ LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(logFormat({ LOG_FORMAT: 'pretty' }, false)).toBe('pretty');
    expect(logFormat({ LOG_FORMAT: 'fancy' }, false)).toBe('json');
  });
});
