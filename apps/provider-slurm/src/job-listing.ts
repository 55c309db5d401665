import { z } from 'zod';
import { parseDurationMinutes, parseKeyValueLines, parseLocalTime } from './key-value-text.js';

/** How a job's batch script ended: its exit code, or the signal that killed it (0 if none). */
export interface ExitStatus {
  code: number;
  signal: number;
}

/** One job as slurmctld reports it, in the few fields the plugin uses. */
export interface SlurmJob {
  id: number;
  name: string;
  comment: string;
  /** Slurm's state name: PENDING, RUNNING, COMPLETING, COMPLETED, TIMEOUT, … */
  state: string;
  /** Why the job is pending or how it ended (None, Resources, NonZeroExitCode, TimeLimit, …). */
  reason: string;
  exit: ExitStatus | null;
  /** Epoch ms; for a pending job Slurm may give an estimate, so do not read it as "it ran". */
  startTime: number | null;
  /**
   * Epoch ms. When the job ended only once it has (see `endedAt`); before that, Slurm's estimate
   * (start plus time limit) or nothing.
   */
  endTime: number | null;
  /** Null when unlimited or unknown. */
  timeLimitMinutes: number | null;
  /** Comma-separated when a pending job may run in several. */
  partition: string;
  /** Allocated nodes; empty when the job never got any. */
  nodes: string;
}

/** A wait status as waitpid(2) packs it: the low 7 bits are the signal, the next byte the code. */
export function decodeWaitStatus(status: number): ExitStatus {
  return { code: (status >> 8) & 0xff, signal: status & 0x7f };
}

// openapi v0.0.38 (Slurm 21.08/22.05) gives plain numbers; v0.0.39 and later wrap them as
// {set, infinite, number}. Both shapes are read, so the plugin works across versions.
const NumberField = z.union([
  z.number(),
  z.null(),
  z.object({
    set: z.boolean().optional(),
    infinite: z.boolean().optional(),
    number: z.number().optional(),
  }),
]);
type NumberField = z.infer<typeof NumberField>;

const numberOf = (field: NumberField | undefined): number | null => {
  if (field === undefined || field === null) return null;
  if (typeof field === 'number') return field;
  if (field.set === false || field.infinite === true) return null;
  return field.number ?? null;
};

const SqueueJob = z.object({
  job_id: z.number(),
  name: z.string().default(''),
  comment: z.string().nullish(),
  // A string up to v0.0.38; a list of the base state and its flags (e.g. COMPLETING) after.
  job_state: z.union([z.string(), z.array(z.string())]),
  state_reason: z.string().nullish(),
  // The raw wait status up to v0.0.38; {return_code, signal: {id}} after.
  exit_code: z
    .union([
      z.number(),
      z.object({
        return_code: NumberField.optional(),
        signal: z.object({ id: NumberField.optional() }).optional(),
      }),
    ])
    .nullish(),
  start_time: NumberField.optional(),
  end_time: NumberField.optional(),
  time_limit: NumberField.optional(),
  partition: z.string().nullish(),
  nodes: z.string().nullish(),
});

const SqueueOutput = z.object({
  jobs: z.array(SqueueJob),
  errors: z.array(z.unknown()).default([]),
});

export class ListingParseError extends Error {
  override readonly name = 'ListingParseError';
}

/** The jobs of `squeue --json`. Throws ListingParseError when Slurm reports errors instead. */
export function parseSqueueJson(text: string): SlurmJob[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ListingParseError(`squeue --json printed something that is not JSON`);
  }
  const parsed = SqueueOutput.safeParse(json);
  if (!parsed.success) {
    throw new ListingParseError(`squeue --json: unexpected shape: ${parsed.error.message}`);
  }
  if (parsed.data.errors.length > 0) {
    throw new ListingParseError(`squeue --json reported ${JSON.stringify(parsed.data.errors)}`);
  }
  return parsed.data.jobs.map((j) => {
    const start = numberOf(j.start_time);
    const end = numberOf(j.end_time);
    return {
      id: j.job_id,
      name: j.name,
      comment: j.comment ?? '',
      state: stateName(j.job_state),
      reason: j.state_reason ?? '',
      exit: exitOf(j.exit_code),
      startTime: start ? start * 1000 : null,
      endTime: end ? end * 1000 : null,
      timeLimitMinutes: numberOf(j.time_limit),
      partition: j.partition ?? '',
      nodes: j.nodes ?? '',
    };
  });
}

function stateName(state: string | string[]): string {
  if (typeof state === 'string') return state;
  // A job that has ended but still cleans up is COMPLETING, whatever its base state says.
  return state.includes('COMPLETING') ? 'COMPLETING' : (state[0] ?? 'UNKNOWN');
}

function exitOf(field: z.infer<typeof SqueueJob>['exit_code']): ExitStatus | null {
  if (field === undefined || field === null) return null;
  if (typeof field === 'number') return decodeWaitStatus(field);
  const code = numberOf(field.return_code);
  return code === null ? null : { code, signal: numberOf(field.signal?.id) ?? 0 };
}

/** The jobs of `scontrol -o show job`: for Slurm versions whose squeue has no --json. */
export function parseScontrolJobs(text: string): SlurmJob[] {
  return parseKeyValueLines(text).flatMap((r) => {
    const id = Number(r.get('JobId'));
    if (!Number.isSafeInteger(id)) return [];
    const [code, signal] = (r.get('ExitCode') ?? '').split(':').map(Number);
    const nodes = r.get('NodeList') ?? '';
    return [
      {
        id,
        name: r.get('JobName') ?? '',
        comment: nullText(r.get('Comment')),
        state: r.get('JobState') ?? 'UNKNOWN',
        reason: r.get('Reason') ?? '',
        exit: code === undefined || Number.isNaN(code) ? null : { code, signal: signal || 0 },
        startTime: parseLocalTime(r.get('StartTime') ?? ''),
        endTime: parseLocalTime(r.get('EndTime') ?? ''),
        timeLimitMinutes: parseDurationMinutes(r.get('TimeLimit') ?? ''),
        partition: nullText(r.get('Partition')),
        nodes: nullText(nodes),
      },
    ];
  });
}

const nullText = (value: string | undefined) =>
  value === undefined || value === '(null)' ? '' : value;

/**
 * The fields asked of `squeue -O`, each ended by `|` (squeue prints them unpadded and whole).
 * `exit_code` is the raw wait status, as in squeue --json of 22.05.
 */
export const SQUEUE_FIELDS =
  'JobID:|,Name:|,Comment:|,State:|,Reason:|,exit_code:|,StartTime:|,EndTime:|,TimeLimit:|,Partition:|,NodeList:|';

/**
 * The jobs of `squeue -h -O SQUEUE_FIELDS`. A line that does not split into the fields (a name
 * or comment with a `|` in it) is not one of ours, whose names and comments never have one.
 */
export function parseSqueueFields(text: string): SlurmJob[] {
  return text.split('\n').flatMap((line) => {
    const fields = line.split('|');
    if (fields.length !== 12) return [];
    // With 12 fields none of these is missing; the defaults only tell the compiler so.
    const [
      rawId = '',
      name = '',
      comment = '',
      state = '',
      reason = '',
      wait = '',
      start = '',
      end = '',
      limit = '',
      partition = '',
      nodes = '',
    ] = fields;
    const id = Number(rawId);
    const status = Number(wait);
    if (!rawId || !Number.isSafeInteger(id)) return [];
    return [
      {
        id,
        name,
        comment: nullText(comment),
        state,
        reason,
        exit: wait === '' || Number.isNaN(status) ? null : decodeWaitStatus(status),
        startTime: parseLocalTime(start),
        endTime: parseLocalTime(end),
        timeLimitMinutes: parseDurationMinutes(limit),
        partition,
        nodes,
      },
    ];
  });
}

/** The fields asked of sacct, in this order (`sacct -X -n -P -o …`). */
export const SACCT_FIELDS =
  'JobIDRaw,JobName,State,ExitCode,Start,End,Timelimit,Partition,NodeList';

/**
 * Jobs from accounting (`sacct -X -n -P -o SACCT_FIELDS`), for jobs slurmctld has already
 * forgotten. Accounting keeps no comment unless the site asks it to, so `comment` is empty.
 */
export function parseSacct(text: string): SlurmJob[] {
  return text.split('\n').flatMap((line) => {
    const [rawId, name, state, exitCode, start, end, limit, partition, nodes] = line.split('|');
    const id = Number(rawId);
    if (!rawId || !Number.isSafeInteger(id) || state === undefined) return [];
    const [code, signal] = (exitCode ?? '').split(':').map(Number);
    return [
      {
        id,
        name: name ?? '',
        comment: '',
        // "CANCELLED by 0": the state is the first word.
        state: state.replace(/ .*/, ''),
        reason: '',
        exit: code === undefined || Number.isNaN(code) ? null : { code, signal: signal || 0 },
        startTime: parseLocalTime(start ?? ''),
        endTime: parseLocalTime(end ?? ''),
        timeLimitMinutes: parseDurationMinutes(limit ?? ''),
        partition: partition ?? '',
        nodes: nodes === 'None assigned' ? '' : (nodes ?? ''),
      },
    ];
  });
}
