import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from './errors.js';
import { peersOf } from './peers.js';

const job = (specification: Record<string, unknown>) => JSON.stringify({ id: '9', specification });

describe('peersOf', () => {
  it('finds peer values among the resources and the parameters', () => {
    const json = job({
      parameters: {
        db: { type: 'peer', hostname: 'database', jobId: '4101' },
        n: { type: 'integer', value: 3 },
      },
      resources: [{ type: 'peer', hostname: 'cache', jobId: '4102' }, { type: 'network' }],
    });
    expect(peersOf(json)).toEqual([
      { hostname: 'database', jobId: '4101' },
      { hostname: 'cache', jobId: '4102' },
    ]);
  });

  it('has none when the job names none', () => {
    expect(peersOf(job({ parameters: null, resources: null }))).toEqual([]);
    expect(peersOf(job({}))).toEqual([]);
    expect(peersOf('')).toEqual([]);
  });

  it('refuses a hostname that cannot be resolved', () => {
    const json = job({ resources: [{ type: 'peer', hostname: 'no_such host', jobId: '1' }] });
    expect(() => peersOf(json)).toThrow(InvalidArgumentError);
    expect(() => peersOf(json)).toThrow(/"no_such host" is not a valid host name/);
  });
});
