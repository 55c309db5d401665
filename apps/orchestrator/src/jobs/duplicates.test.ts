import { JobSpecification } from '@ucloud/contracts';
import { describe, expect, it } from 'vitest';
import { canonicalJson, configurationKey } from './duplicates.js';

const spec = (extra: object) =>
  JobSpecification.parse({
    application: { name: 'acme-batch', version: '1.0.0' },
    product: { id: 'p', category: 'c', provider: 'example' },
    ...extra,
  });

describe('duplicate detection', () => {
  it('ignores key order, the name and the flag itself', () => {
    const a = spec({
      name: 'one',
      parameters: { a: { type: 'text', value: 'x' }, b: { type: 'boolean', value: true } },
    });
    const b = spec({
      name: 'two',
      allowDuplicateJob: true,
      parameters: { b: { value: true, type: 'boolean' }, a: { type: 'text', value: 'x' } },
    });
    expect(configurationKey(a)).toBe(configurationKey(b));
  });

  it('tells different parameters, replicas or allocations apart', () => {
    const base = configurationKey(spec({ parameters: { a: { type: 'text', value: 'x' } } }));
    expect(configurationKey(spec({ parameters: { a: { type: 'text', value: 'y' } } }))).not.toBe(
      base,
    );
    expect(
      configurationKey(spec({ replicas: 2, parameters: { a: { type: 'text', value: 'x' } } })),
    ).not.toBe(base);
    expect(
      configurationKey(
        spec({
          timeAllocation: { hours: 1, minutes: 0, seconds: 0 },
          parameters: { a: { type: 'text', value: 'x' } },
        }),
      ),
    ).not.toBe(base);
  });

  it('keeps array order', () => {
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
  });
});
