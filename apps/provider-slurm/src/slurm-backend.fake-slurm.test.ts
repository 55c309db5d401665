import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FailedPreconditionError,
  InvalidArgumentError,
  UnavailableError,
  UnsupportedError,
  type CreateJobSpec,
  type JobEventInput,
  type JournalEvent,
} from '@ucloud/provider-sdk';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProductConfig } from './config.js';
import { type SlurmJob } from './job-listing.js';
import { SlurmBackend } from './slurm-backend.js';
import { type JobShell, type SlurmCommands } from './slurm-cli.js';

// The whole-stack tests run the plugin against real Slurm. These use a fake of Slurm's commands
// for what real Slurm cannot be made to do on demand: forget a job, lose sbatch's answer, be down.

/** An in-memory stand-in for squeue/sbatch/…: jobs change only when a test changes them. */
class FakeSlurm implements SlurmCommands {
  readonly listed = new Map<number, SlurmJob>();
  accounted: SlurmJob[] = [];
  submissions = 0;
  unreachable = false;
  /** sbatch reaches Slurm, but its answer is lost (a timeout). */
  loseAnswer = false;
  /** Slurm starts each job as it is submitted. */
  startAtOnce = false;
  /** While set, submit calls wait for it (a slow sbatch). */
  hold: Promise<void> | null = null;
  /** Submit calls under way, and the most there were at once. */
  inFlight = 0;
  maxInFlight = 0;
  /** Calls of ownJobs, which the plugin's polls make. */
  listings = 0;
  private nextId = 1;

  async submit(scriptPath: string): Promise<number> {
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    try {
      await this.hold;
      return this.submitOne(scriptPath);
    } finally {
      this.inFlight--;
    }
  }

  private submitOne(scriptPath: string): number {
    this.check();
    const script = readFileSync(scriptPath, 'utf8');
    const directive = (name: string) =>
      new RegExp(`^#SBATCH --${name}=(.*)$`, 'm').exec(script)![1]!;
    const id = this.nextId++;
    this.submissions++;
    const state = this.startAtOnce ? 'RUNNING' : 'PENDING';
    this.listed.set(id, job(id, directive('job-name'), directive('comment'), state));
    if (this.loseAnswer) throw new UnavailableError('sbatch timed out');
    return id;
  }
  async jobs() {
    this.check();
    return [...this.listed.values()];
  }
  async ownJobs() {
    this.listings++;
    return this.jobs();
  }
  async accountedJobs(ids: number[]) {
    return this.accounted.filter((j) => ids.includes(j.id));
  }
  async nodes() {
    return [];
  }
  async defaultPartition() {
    return 'batch';
  }
  async cancel(slurmId: number) {
    this.set(slurmId, 'CANCELLED');
  }
  async suspend() {}
  async resume() {}
  async extendTimeLimit() {}
  async hostnames(nodeList: string) {
    return nodeList.split(',');
  }
  /** Shells started; each a stream that goes nowhere. */
  readonly shells: JobShell[] = [];
  shell(target: JobShell) {
    this.shells.push(target);
    return { stream: new PassThrough() };
  }
  close() {}

  /** Slurm's StartTime and EndTime, where the test gives them, as squeue would list them. */
  set(
    slurmId: number,
    state: string,
    times: Partial<Pick<SlurmJob, 'startTime' | 'endTime'>> = {},
  ) {
    const found = this.listed.get(slurmId)!;
    this.listed.set(slurmId, { ...found, ...times, state, nodes: state === 'PENDING' ? '' : 'n1' });
  }

  private check() {
    if (this.unreachable) throw new UnavailableError('Unable to contact slurm controller');
  }
}

function job(id: number, name: string, comment: string, state: string): SlurmJob {
  return {
    id,
    name,
    comment,
    state,
    reason: 'None',
    exit: { code: 0, signal: 0 },
    startTime: null,
    endTime: null,
    timeLimitMinutes: null,
    partition: 'batch',
    nodes: '',
  };
}

const spec = (jobId: string): CreateJobSpec => ({
  jobId,
  productId: 'cpu',
  productCategory: 'cpu',
  replicas: 1,
  backend: 'NATIVE',
  argv: ['/bin/true'],
  environment: {},
  image: '',
  timeAllocationMs: null,
  cpu: 1,
  memoryBytes: 0,
  gpu: 0,
  jobJson: '{}',
  applicationType: 'BATCH',
  interactivePort: 0,
});

let dataDir: string;
let slurm: FakeSlurm;
let events: JobEventInput[];
let backend: SlurmBackend | null;

async function startBackend(
  pollIntervalMs = 20,
  submissionsAtOnce?: number,
): Promise<SlurmBackend> {
  const started = new SlurmBackend({
    dataDir,
    jobsDir: join(dataDir, 'jobs'),
    providerId: 'example',
    products: [ProductConfig.parse({ id: 'cpu', category: 'cpu' })],
    pollIntervalMs,
    slurm,
    submissionsAtOnce,
  });
  await started.start({
    emit: (event) => {
      events.push(event);
      return event as JournalEvent;
    },
    emitMany: (many) => {
      events.push(...many);
      return many as JournalEvent[];
    },
    logger: pino({ level: 'silent' }),
  });
  backend = started;
  return started;
}

const reported = (jobId: string) =>
  events.filter((e) => e.jobId === jobId).map((e) => [e.state, e.status]);
/** Each event's state and the time it says it happened (absent: when it was emitted). */
const stamped = (jobId: string) =>
  events.filter((e) => e.jobId === jobId).map((e) => [e.state, e.occurredAt]);
/** A time `seconds` before the test began, whole seconds as Slurm prints them. */
const secondsAgo = (seconds: number) => Math.floor(Date.now() / 1000) * 1000 - seconds * 1000;

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'slurm-backend-'));
  slurm = new FakeSlurm();
  events = [];
  backend = null;
});

afterEach(async () => {
  await backend?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('SlurmBackend against a fake of Slurm', () => {
  it('reports a job Slurm no longer lists as lost instead of leaving it RUNNING', async () => {
    const plugin = await startBackend();
    await plugin.create(spec('1'));
    slurm.set(1, 'RUNNING');
    await expect.poll(() => reported('1').length).toBe(1);

    slurm.listed.delete(1);

    await expect
      .poll(() => reported('1'))
      .toEqual([
        ['RUNNING', 'Your job is now running!'],
        [
          'FAILURE',
          "Slurm job 1 disappeared from Slurm's view before the plugin saw it end; how it ended is unknown",
        ],
      ]);
  });

  it('asks accounting how a job ended once slurmctld has forgotten it', async () => {
    const plugin = await startBackend();
    await plugin.create(spec('1'));
    slurm.accounted = [{ ...slurm.listed.get(1)!, comment: '', state: 'COMPLETED', nodes: 'n1' }];

    slurm.listed.delete(1);

    await expect
      .poll(() => reported('1'))
      .toEqual([
        ['RUNNING', 'Your job is now running!'],
        ['SUCCESS', 'The job exited with code 0 (Slurm job 1: COMPLETED)'],
      ]);
  });

  it('does not take a job that got the same Slurm id on a new cluster for ours', async () => {
    const plugin = await startBackend();
    await plugin.create(spec('1'));
    slurm.listed.set(1, job(1, 'someone-else', '', 'RUNNING'));

    await expect.poll(() => reported('1').map(([state]) => state)).toEqual(['FAILURE']);
  });

  it('after a restart, finds a job whose sbatch answer was lost by its marker: no second submission', async () => {
    const first = await startBackend(60_000);
    slurm.loseAnswer = true;
    await expect(first.create(spec('1'))).rejects.toThrow(UnavailableError);
    await first.stop();
    slurm.loseAnswer = false;
    slurm.set(1, 'RUNNING');

    const second = await startBackend();

    expect(slurm.submissions).toBe(1);
    await expect.poll(() => reported('1')).toEqual([['RUNNING', 'Your job is now running!']]);
    expect(await second.create(spec('1'))).toEqual({ providerGeneratedId: '1' });
    expect(slurm.submissions).toBe(1);
  });

  it('submits a job once Slurm answers again, when it was down at create', async () => {
    const plugin = await startBackend();
    slurm.unreachable = true;
    await expect(plugin.create(spec('1'))).rejects.toThrow(UnavailableError);

    slurm.unreachable = false;

    await expect.poll(() => slurm.submissions).toBe(1);
    slurm.set(1, 'RUNNING');
    await expect.poll(() => reported('1').map(([state]) => state)).toEqual(['RUNNING']);
  });

  it('ends a job cancelled before it reached Slurm without submitting it', async () => {
    const plugin = await startBackend(60_000);
    slurm.unreachable = true;
    await expect(plugin.create(spec('1'))).rejects.toThrow(UnavailableError);
    slurm.unreachable = false;

    await plugin.terminate('1');

    expect(slurm.submissions).toBe(0);
    expect(reported('1')).toEqual([['SUCCESS', 'Your job has been cancelled!']]);
  });

  it('reports a job that ended while the plugin was down at the start and end Slurm gives', async () => {
    const first = await startBackend(60_000);
    await first.create(spec('1'));
    await first.stop();
    const [started, ended] = [secondsAgo(3600), secondsAgo(3000)];
    slurm.set(1, 'COMPLETED', { startTime: started, endTime: ended });

    await startBackend();

    // Not at the restart: the orchestrator charges for the time between RUNNING and SUCCESS.
    expect(stamped('1')).toEqual([
      ['RUNNING', started],
      ['SUCCESS', ended],
    ]);
  });

  it("stamps RUNNING with Slurm's start time and the end with its end time, not the polls", async () => {
    const plugin = await startBackend();
    await plugin.create(spec('1'));
    const [started, ended] = [secondsAgo(20), secondsAgo(5)];

    slurm.set(1, 'RUNNING', { startTime: started, endTime: started + 90 * 60_000 });
    await expect.poll(() => stamped('1')).toEqual([['RUNNING', started]]);
    slurm.set(1, 'TIMEOUT', { endTime: ended });

    await expect
      .poll(() => stamped('1'))
      .toEqual([
        ['RUNNING', started],
        ['SUCCESS', ended],
      ]);
  });

  it('reports a job slurmctld forgot at the start and end accounting gives', async () => {
    const plugin = await startBackend();
    await plugin.create(spec('1'));
    const [started, ended] = [secondsAgo(600), secondsAgo(500)];
    slurm.accounted = [
      {
        ...slurm.listed.get(1)!,
        comment: '',
        state: 'COMPLETED',
        nodes: 'n1',
        startTime: started,
        endTime: ended,
      },
    ];

    slurm.listed.delete(1);

    await expect
      .poll(() => stamped('1'))
      .toEqual([
        ['RUNNING', started],
        ['SUCCESS', ended],
      ]);
  });

  it('does not take the estimates Slurm gives for jobs yet to run or end as their times', async () => {
    const plugin = await startBackend();
    await plugin.create(spec('1'));
    await plugin.create(spec('2'));
    const [started, cancelled] = [secondsAgo(30), secondsAgo(1)];
    // Pending: StartTime is when Slurm expects to start the job. Running: EndTime is StartTime
    // plus the time limit.
    slurm.listed.set(1, { ...slurm.listed.get(1)!, startTime: secondsAgo(-60) });
    slurm.set(2, 'RUNNING', { startTime: started, endTime: started + 3600_000 });
    await expect.poll(() => stamped('2')).toEqual([['RUNNING', started]]);

    // Cancelled while pending: Slurm sets StartTime to the cancel time, but the job never ran.
    const pending = slurm.listed.get(1)!;
    slurm.listed.set(1, {
      ...pending,
      state: 'CANCELLED',
      startTime: cancelled,
      endTime: cancelled,
    });
    // A resume is not a start: StartTime stays the first start, and counting from it would charge
    // for the suspension. squeue -O gives no time for either, so both are stamped when seen.
    slurm.set(2, 'SUSPENDED');
    await expect
      .poll(() => stamped('2'))
      .toEqual([
        ['RUNNING', started],
        ['SUSPENDED', undefined],
      ]);
    slurm.set(2, 'RUNNING', { endTime: started + 3700_000 });

    await expect
      .poll(() => stamped('2'))
      .toEqual([
        ['RUNNING', started],
        ['SUSPENDED', undefined],
        ['RUNNING', undefined],
      ]);
    expect(stamped('1')).toEqual([['SUCCESS', cancelled]]);
  });

  it('runs at most submissionsAtOnce sbatch calls at once, the rest as they finish', async () => {
    const plugin = await startBackend(20, 3);
    let release = () => {};
    slurm.hold = new Promise((resolve) => (release = resolve));
    const ids = Array.from({ length: 10 }, (_, n) => String(n + 1));

    const created = Promise.all(ids.map((id) => plugin.create(spec(id))));
    await expect.poll(() => slurm.inFlight).toBe(3);
    release();

    const answers = await created;
    expect(new Set(answers.map((a) => a.providerGeneratedId)).size).toBe(10);
    expect(slurm.submissions).toBe(10);
    expect(slurm.maxInFlight).toBe(3);
  });

  it('polls once after a burst of submissions, and reports the starts it sees', async () => {
    // No regular polls during the test: only those the submissions ask for.
    const plugin = await startBackend(60_000, 4);
    slurm.startAtOnce = true;
    const ids = Array.from({ length: 10 }, (_, n) => String(n + 1));

    await Promise.all(ids.map((id) => plugin.create(spec(id))));

    await expect.poll(() => ids.map((id) => reported(id).length)).toEqual(ids.map(() => 1));
    expect(slurm.listings).toBe(1);
  });

  it('reports a job that ran and ended between two polls as having run', async () => {
    const plugin = await startBackend();
    await plugin.create(spec('1'));

    slurm.set(1, 'COMPLETED');

    await expect.poll(() => reported('1').map(([state]) => state)).toEqual(['RUNNING', 'SUCCESS']);
  });

  it('starts a shell into a running rank on its node, in its directory and environment', async () => {
    const plugin = await startBackend();
    await plugin.create({ ...spec('1'), replicas: 2, environment: { GREETING: 'hi' } });
    const shell = (rank: number) =>
      plugin.connectSession({ jobId: '1', rank, kind: 'SHELL', size: { cols: 80, rows: 24 } });
    await expect(shell(0)).rejects.toThrow(FailedPreconditionError);
    slurm.set(1, 'RUNNING');
    slurm.listed.set(1, { ...slurm.listed.get(1)!, nodes: 'n1,n2' });
    await expect.poll(() => reported('1').length).toBe(1);

    await expect(shell(2)).rejects.toThrow(InvalidArgumentError);
    await expect(plugin.openSession('1', 0, 'WEB')).rejects.toThrow(UnsupportedError);
    expect(await plugin.openSession('1', 1, 'SHELL')).toEqual({
      type: 'shell',
      sessionIdentifier: '',
    });
    await shell(1);

    // One node per rank (the product's default placement): rank 1 runs on the second node.
    expect(slurm.shells).toEqual([
      {
        slurmId: 1,
        node: 'n2',
        cwd: join(dataDir, 'jobs', '1'),
        env: {
          GREETING: 'hi',
          UCLOUD_JOB_ID: '1',
          UCLOUD_NUMBER_OF_NODES: '2',
          UCLOUD_RANK: '1',
          TERM: 'xterm-256color',
        },
        size: { cols: 80, rows: 24 },
      },
    ]);
  });

  it('refuses a shell into a job Slurm is ending, though the last poll saw it running', async () => {
    const plugin = await startBackend();
    await plugin.create(spec('1'));
    slurm.set(1, 'RUNNING');
    await expect.poll(() => reported('1').length).toBe(1);
    // COMPLETING changes nothing until the final state.
    slurm.set(1, 'COMPLETING');

    await expect(
      plugin.connectSession({ jobId: '1', rank: 0, kind: 'SHELL', size: null }),
    ).rejects.toThrow(/not running in Slurm/);
    expect(slurm.shells).toEqual([]);
  });
});
