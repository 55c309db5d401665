import { z } from 'zod';
import { ListingParseError } from './job-listing.js';
import { parseKeyValueLines } from './key-value-text.js';

/** One node's capacity and what is allocated on it. */
export interface SlurmNode {
  name: string;
  cpus: number;
  allocatedCpus: number;
  memoryMb: number;
  allocatedMemoryMb: number;
  partitions: string[];
}

// Plain numbers up to openapi v0.0.38; some later versions wrap them as {set, number}.
const Count = z
  .union([z.number(), z.object({ number: z.number().optional() }), z.null()])
  .optional()
  .transform((v) => (typeof v === 'number' ? v : (v?.number ?? 0)));

const SinfoOutput = z.object({
  nodes: z.array(
    z.object({
      name: z.string(),
      cpus: Count,
      alloc_cpus: Count,
      real_memory: Count,
      alloc_memory: Count,
      partitions: z.array(z.string()).nullish(),
    }),
  ),
  errors: z.array(z.unknown()).default([]),
});

/** The nodes of `sinfo --json`. */
export function parseSinfoJson(text: string): SlurmNode[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ListingParseError('sinfo --json printed something that is not JSON');
  }
  const parsed = SinfoOutput.safeParse(json);
  if (!parsed.success) {
    throw new ListingParseError(`sinfo --json: unexpected shape: ${parsed.error.message}`);
  }
  if (parsed.data.errors.length > 0) {
    throw new ListingParseError(`sinfo --json reported ${JSON.stringify(parsed.data.errors)}`);
  }
  return parsed.data.nodes.map((n) => ({
    name: n.name,
    cpus: n.cpus,
    allocatedCpus: n.alloc_cpus,
    memoryMb: n.real_memory,
    allocatedMemoryMb: n.alloc_memory,
    partitions: n.partitions ?? [],
  }));
}

/** The nodes of `scontrol -o show node`: for Slurm versions whose sinfo has no --json. */
export function parseScontrolNodes(text: string): SlurmNode[] {
  const count = (value: string | undefined) => {
    const n = Number(value);
    return Number.isFinite(n) ? n : 0;
  };
  return parseKeyValueLines(text).flatMap((r) => {
    const name = r.get('NodeName');
    if (name === undefined) return [];
    const partitions = r.get('Partitions') ?? '';
    return [
      {
        name,
        cpus: count(r.get('CPUTot')),
        allocatedCpus: count(r.get('CPUAlloc')),
        memoryMb: count(r.get('RealMemory')),
        allocatedMemoryMb: count(r.get('AllocMem')),
        partitions: partitions === '' || partitions === '(null)' ? [] : partitions.split(','),
      },
    ];
  });
}
