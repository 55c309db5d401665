import type { JobSpecification } from '@ucloud/contracts';
import { createHash } from 'node:crypto';

/** JSON with object keys sorted, so equal values give equal text whatever order they arrived in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}

/**
 * What makes two jobs "identical" for the spec's allowDuplicateJob: everything that decides what
 * runs and where. The display name and the flag itself do not count.
 */
export function configurationKey(spec: JobSpecification): string {
  const { name: _name, allowDuplicateJob: _flag, ...configuration } = spec;
  return canonicalJson(configuration);
}

export const requestHash = (value: unknown) =>
  createHash('sha256').update(canonicalJson(value)).digest('hex');
