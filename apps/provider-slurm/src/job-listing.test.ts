import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  decodeWaitStatus,
  ListingParseError,
  parseSacct,
  parseScontrolJobs,
  parseSqueueFields,
  parseSqueueJson,
} from './job-listing.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');
const at = (local: string) => new Date(local).getTime();

// squeue-fields-22.05.txt: `squeue -h --states=all --user=root --Format=<SQUEUE_FIELDS>`, as the
// plugin's poll runs it, on a fresh scripts/slurm-up.sh cluster (Slurm 22.05.8) after these, in
// order (the ucloud-* ones like the plugin's jobs: `exec srun …`, with a marker comment):
//   1 ucloud-1 --time=1 `sleep 600` (TIMEOUT); 2 test-fmt --comment=x:y `sleep 2; exit 3` (FAILED);
//   3 ucloud-2 `sleep 2` (COMPLETED); 4 --hold --job-name='odd|name' (PENDING, no comment);
//   5 ucloud-77 --time=1:30:00 `sleep 900` (RUNNING); 6 ucloud-78 scancel'ed while running and
//   7 ucloud-79 --hold scancel'ed while held (CANCELLED); captured once job 1 had timed out.
describe('parseSqueueFields', () => {
  it('reads squeue -O of Slurm 22.05, skipping a line a | in a name garbles', () => {
    expect(parseSqueueFields(fixture('squeue-fields-22.05.txt'))).toEqual([
      // Cancelled while running: the batch shell's exit after srun got SIGTERM, 143.
      {
        id: 6,
        name: 'ucloud-78',
        comment: 'ucloud:abc123:78',
        state: 'CANCELLED',
        reason: 'None',
        exit: { code: 143, signal: 0 },
        startTime: at('2026-11-28T06:09:44'),
        endTime: at('2026-11-28T06:09:46'),
        timeLimitMinutes: null,
        partition: 'batch',
        nodes: 'vm',
      },
      // Cancelled while held: never ran (no nodes), though Slurm sets StartTime to the cancel.
      {
        id: 7,
        name: 'ucloud-79',
        comment: 'ucloud:abc123:79',
        state: 'CANCELLED',
        reason: 'JobHeldUser',
        exit: { code: 0, signal: 0 },
        startTime: at('2026-11-28T06:09:46'),
        endTime: at('2026-11-28T06:09:46'),
        timeLimitMinutes: null,
        partition: 'batch',
        nodes: '',
      },
      {
        id: 3,
        name: 'ucloud-2',
        comment: 'ucloud:5a7e220b0c6d:2',
        state: 'COMPLETED',
        reason: 'None',
        exit: { code: 0, signal: 0 },
        startTime: at('2026-11-28T06:09:44'),
        endTime: at('2026-11-28T06:09:46'),
        timeLimitMinutes: 10,
        partition: 'batch',
        nodes: 'vm',
      },
      {
        id: 2,
        name: 'test-fmt',
        comment: 'x:y',
        state: 'FAILED',
        reason: 'NonZeroExitCode',
        exit: { code: 3, signal: 0 },
        startTime: at('2026-11-28T06:09:44'),
        endTime: at('2026-11-28T06:09:46'),
        timeLimitMinutes: null,
        partition: 'batch',
        nodes: 'vm',
      },
      // Held `odd|name` (4) is skipped. Running: EndTime is StartTime + TimeLimit, an estimate.
      {
        id: 5,
        name: 'ucloud-77',
        comment: 'ucloud:abc123:77',
        state: 'RUNNING',
        reason: 'None',
        exit: { code: 0, signal: 0 },
        startTime: at('2026-11-28T06:09:44'),
        endTime: at('2026-11-28T07:39:44'),
        timeLimitMinutes: 90,
        partition: 'batch',
        nodes: 'vm',
      },
      {
        id: 1,
        name: 'ucloud-1',
        comment: 'ucloud:5a7e220b0c6d:1',
        state: 'TIMEOUT',
        reason: 'TimeLimit',
        exit: { code: 143, signal: 0 },
        startTime: at('2026-11-28T06:08:56'),
        endTime: at('2026-11-28T06:10:23'),
        timeLimitMinutes: 1,
        partition: 'batch',
        nodes: 'vm',
      },
    ]);
  });

  it('reads a pending job without comment, start time or nodes', () => {
    const [job] = parseSqueueFields(
      '31|ucloud-9|(null)|PENDING|Priority|0|N/A|N/A|UNLIMITED|batch||\n',
    );
    expect(job).toMatchObject({
      comment: '',
      startTime: null,
      endTime: null,
      timeLimitMinutes: null,
      nodes: '',
    });
  });
});

// squeue-22.05.json and scontrol-jobs-22.05.txt: `squeue --json --states=all` and
// `scontrol -o show job` at one moment on a scripts/slurm-up.sh cluster (Slurm 22.05.8), as the
// captures show: 7 and 8 plugin jobs (ucloud-1) that ended FAILED (exit 3) and TIMEOUT
// (--time=1), 19 running (--time=1:30:00), 20 pending on PartitionConfig (64 CPUs asked).
describe('parseSqueueJson', () => {
  it('reads squeue --json of Slurm 22.05 (openapi v0.0.38)', () => {
    const jobs = parseSqueueJson(fixture('squeue-22.05.json'));
    expect(jobs).toEqual([
      {
        id: 19,
        name: 'ucloud-42',
        comment: 'ucloud:abc123:42',
        state: 'RUNNING',
        reason: 'None',
        exit: { code: 0, signal: 0 },
        startTime: 1795443662_000,
        // Running: the end Slurm expects, StartTime + TimeLimit.
        endTime: 1795449062_000,
        timeLimitMinutes: 90,
        partition: 'batch',
        nodes: 'vm',
      },
      {
        id: 20,
        name: 'ucloud-43',
        comment: 'ucloud:abc123:43',
        state: 'PENDING',
        reason: 'PartitionConfig',
        exit: { code: 0, signal: 0 },
        startTime: null,
        endTime: null,
        timeLimitMinutes: null,
        partition: 'batch',
        nodes: '',
      },
      expect.objectContaining({
        id: 7,
        state: 'FAILED',
        exit: { code: 3, signal: 0 },
        startTime: 1795443396_000,
        endTime: 1795443398_000,
      }),
      // The batch shell's exit after SIGTERM: 143.
      expect.objectContaining({
        id: 8,
        state: 'TIMEOUT',
        reason: 'TimeLimit',
        startTime: 1795443565_000,
        endTime: 1795443643_000,
        timeLimitMinutes: 1,
      }),
    ]);
  });

  it('reads the wrapped numbers and state lists of later openapi versions', () => {
    const text = JSON.stringify({
      jobs: [
        {
          job_id: 5,
          name: 'ucloud-9',
          comment: 'ucloud:x:9',
          job_state: ['CANCELLED', 'COMPLETING'],
          state_reason: 'None',
          exit_code: {
            status: ['SIGNALED'],
            return_code: { set: true, infinite: false, number: 0 },
            signal: { id: { set: true, infinite: false, number: 15 }, name: 'TERM' },
          },
          start_time: { set: true, infinite: false, number: 1700000000 },
          end_time: { set: true, infinite: false, number: 1700000042 },
          time_limit: { set: false, infinite: true, number: 0 },
          partition: 'batch',
          nodes: 'n1',
        },
      ],
      errors: [],
    });
    expect(parseSqueueJson(text)).toEqual([
      {
        id: 5,
        name: 'ucloud-9',
        comment: 'ucloud:x:9',
        state: 'COMPLETING',
        reason: 'None',
        exit: { code: 0, signal: 15 },
        startTime: 1700000000_000,
        endTime: 1700000042_000,
        timeLimitMinutes: null,
        partition: 'batch',
        nodes: 'n1',
      },
    ]);
  });

  it('refuses output that reports errors, such as an unreachable controller', () => {
    const text = JSON.stringify({
      jobs: [],
      errors: [{ description: 'Unable to contact slurm controller', error_number: 1 }],
    });
    expect(() => parseSqueueJson(text)).toThrow(ListingParseError);
    expect(() => parseSqueueJson(text)).toThrow(/Unable to contact slurm controller/);
    expect(() => parseSqueueJson('squeue: error: …')).toThrow(/not JSON/);
  });
});

describe('parseScontrolJobs', () => {
  it('reads scontrol -o show job into the same records as squeue --json', () => {
    const fromScontrol = parseScontrolJobs(fixture('scontrol-jobs-22.05.txt'));
    const fromSqueue = parseSqueueJson(fixture('squeue-22.05.json'));
    const byId = (jobs: typeof fromSqueue) => [...jobs].sort((a, b) => a.id - b.id);
    expect(byId(fromScontrol)).toEqual(byId(fromSqueue));
  });

  it('keeps the spaces of a value and ignores lines without records', () => {
    const text =
      'No jobs in the system\nJobId=3 JobName=ucloud-3 JobState=CANCELLED Reason=None ExitCode=0:15 ' +
      'StartTime=Unknown EndTime=Unknown TimeLimit=UNLIMITED Partition=batch NodeList=(null) Comment=a b\n';
    expect(parseScontrolJobs(text)).toEqual([
      {
        id: 3,
        name: 'ucloud-3',
        comment: 'a b',
        state: 'CANCELLED',
        reason: 'None',
        exit: { code: 0, signal: 15 },
        startTime: null,
        endTime: null,
        timeLimitMinutes: null,
        partition: 'batch',
        nodes: '',
      },
    ]);
  });
});

describe('parseSacct', () => {
  // The test cluster keeps no accounting (no slurmdbd), so this is sacct's format written by hand,
  // not captured output: -P joins the SACCT_FIELDS with |, times are local, unset ones None.
  it('reads sacct -X -n -P output, taking the state word before "by <uid>"', () => {
    const text =
      '12|ucloud-7|CANCELLED by 0|0:15|2026-11-23T14:05:52|2026-11-23T14:06:40|00:02:00|batch|vm\n' +
      '13|ucloud-8|COMPLETED|0:0|2026-11-23T14:06:00|2026-11-23T14:06:31|1-00:00:00|batch|vm\n' +
      '14|ucloud-9|CANCELLED by 0|0:0|None|2026-11-23T14:07:00|UNLIMITED|batch|None assigned\n';
    expect(parseSacct(text)).toEqual([
      {
        id: 12,
        name: 'ucloud-7',
        comment: '',
        state: 'CANCELLED',
        reason: '',
        exit: { code: 0, signal: 15 },
        startTime: at('2026-11-23T14:05:52'),
        endTime: at('2026-11-23T14:06:40'),
        timeLimitMinutes: 2,
        partition: 'batch',
        nodes: 'vm',
      },
      expect.objectContaining({
        id: 13,
        state: 'COMPLETED',
        endTime: at('2026-11-23T14:06:31'),
        timeLimitMinutes: 1440,
      }),
      expect.objectContaining({
        id: 14,
        startTime: null,
        endTime: at('2026-11-23T14:07:00'),
        timeLimitMinutes: null,
        nodes: '',
      }),
    ]);
  });
});

describe('decodeWaitStatus', () => {
  it('splits a wait status into exit code and signal', () => {
    expect(decodeWaitStatus(768)).toEqual({ code: 3, signal: 0 });
    expect(decodeWaitStatus(15)).toEqual({ code: 0, signal: 15 });
    expect(decodeWaitStatus(0)).toEqual({ code: 0, signal: 0 });
  });
});
