import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseCount } from './args.js';

describe('parseCount', () => {
  it('takes whole numbers only', () => {
    expect(parseCount('0')).toBe(0);
    expect(parseCount('2500000')).toBe(2_500_000);
    for (const text of ['', '-1', '1.5', '1e6', ' 1', '0x10', '9007199254740993'])
      expect(() => parseCount(text), text).toThrow(InvalidArgumentError);
  });
});
