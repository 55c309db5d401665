import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GrpcStatus as status,
  connectPlugin,
  proto,
  openSqlite,
  servePlugin,
  stateFromProto,
  type ClientReadableStream,
  isFinalState,
  type JobStateName,
  type PluginClient,
  type PluginServer,
  type ServiceError,
} from '@ucloud/provider-sdk';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JobStore } from './job-store.js';
import { NativeBackend } from './native-backend.js';
import { liveGroupMembers, readProcStat, signalGroup } from './proc.js';

const logger = pino({ level: 'silent' });

interface SeenEvent {
  seq: number;
  jobId: string;
  state: JobStateName | null;
  status: string;
  timestamp: number;
  expectedState: JobStateName | null;
}

/** A plugin on port 0 over a data dir, with a client and every event it reports. */
class Harness {
  server!: PluginServer;
  client!: PluginClient;
  private watch: ClientReadableStream<proto.JobEvent> | null = null;

  constructor(
    readonly dataDir: string,
    private readonly graceMs: number,
    /** Shared across restarts: the new plugin's watch resumes after the last one seen. */
    readonly events: SeenEvent[],
  ) {}

  async start(): Promise<void> {
    const backend = new NativeBackend({
      dataDir: this.dataDir,
      providerId: 'example',
      products: [
        { id: 'example-compute', category: 'example-compute', cpu: 2, features: {} },
        {
          id: 'basic',
          category: 'basic',
          features: { timeExtension: false, suspension: false, utilization: false, web: false },
        },
      ],
      terminateGraceMs: this.graceMs,
      pollIntervalMs: 50,
    });
    this.server = await servePlugin(backend, {
      address: '127.0.0.1:0',
      dataDir: this.dataDir,
      logger,
    });
    this.client = connectPlugin(`127.0.0.1:${this.server.port}`);
    const after = this.events.at(-1)?.seq ?? 0;
    this.watch = this.client.watchEvents(after);
    this.watch.on('data', (e: proto.JobEvent) =>
      this.events.push({
        seq: Number(e.seq),
        jobId: e.jobId,
        state: stateFromProto(e.state),
        status: e.status,
        timestamp: Number(e.timestamp),
        expectedState: stateFromProto(e.expectedState),
      }),
    );
    this.watch.on('error', () => undefined); // cancelled on stop
  }

  async stop(): Promise<void> {
    this.watch?.cancel();
    this.client.close();
    await this.server.close();
  }

  create(jobId: string, argv: string[], extra: Partial<proto.CreateJobRequest> = {}) {
    return this.client.createJob({
      jobId,
      productId: 'example-compute',
      productCategory: 'example-compute',
      replicas: 1,
      backend: proto.Backend.BACKEND_NATIVE,
      argv,
      ...extra,
    });
  }

  of(jobId: string): SeenEvent[] {
    return this.events.filter((e) => e.jobId === jobId);
  }

  async waitFor(jobId: string, state: JobStateName): Promise<SeenEvent> {
    await until(() => this.of(jobId).some((e) => e.state === state));
    return this.of(jobId).find((e) => e.state === state)!;
  }

  /** The final event of a job, once reported. */
  async end(jobId: string): Promise<SeenEvent> {
    await until(() => this.of(jobId).some((e) => isFinal(e.state)));
    return this.of(jobId).find((e) => isFinal(e.state))!;
  }

  /** The wrapper pids (= process group ids) the plugin recorded for a job. */
  groups(jobId: string): number[] {
    const store = new JobStore(join(this.dataDir, 'native.db'));
    try {
      return store.get(jobId)?.ranks.map((r) => r.pid) ?? [];
    } finally {
      store.close();
    }
  }

  /** A job's output per rank and stream, read to the end (with follow: until the job is done). */
  async logs(jobId: string, follow: boolean): Promise<Record<string, string>> {
    const chunks = await new Promise<proto.LogChunk[]>((resolve, reject) => {
      const got: proto.LogChunk[] = [];
      const stream = this.client.streamLogs({ jobId, follow });
      stream.on('data', (c: proto.LogChunk) => got.push(c));
      stream.on('error', reject);
      stream.on('end', () => resolve(got));
    });
    const out: Record<string, string> = {};
    for (const c of chunks) {
      const key = `${c.rank}/${c.stream === proto.LogStream.LOG_STREAM_STDOUT ? 'stdout' : 'stderr'}`;
      out[key] = (out[key] ?? '') + c.data.toString();
    }
    return out;
  }
}

const isFinal = (s: JobStateName | null) => s !== null && isFinalState(s);

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`not met in time: ${String(condition)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The gRPC status code of a failed call. */
const grpcCode = (e: unknown) => (e instanceof Error && 'code' in e ? e.code : e);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const groupGone = (pgid: number) => liveGroupMembers(pgid).length === 0;

let dataDir: string;
let plugin: Harness | null;
let events: SeenEvent[];

/** Stops the plugin (if running) and starts a new one on the same data dir. */
async function restart(graceMs = 300): Promise<Harness> {
  await stopPlugin();
  plugin = new Harness(dataDir, graceMs, events);
  await plugin.start();
  return plugin;
}

async function stopPlugin(): Promise<void> {
  await plugin?.stop();
  plugin = null;
}

/** The running plugin. */
function p(): Harness {
  if (!plugin) throw new Error('the plugin is not running');
  return plugin;
}

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'native-'));
  plugin = null;
  events = [];
  await restart();
});

afterEach(async () => {
  await stopPlugin();
  // No test may leave a process behind, ended jobs included: anything alive is a leak.
  const db = openSqlite(join(dataDir, 'native.db'));
  const groups = db.prepare('SELECT pid FROM ranks').pluck().all() as number[];
  db.close();
  const leaked = groups.filter((pgid) => !groupGone(pgid));
  for (const pgid of leaked) signalGroup(pgid, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
  expect(leaked).toEqual([]);
});

describe('native plugin', { timeout: 30_000 }, () => {
  it('describes its products with native support', async () => {
    const res = await p().client.describe();
    expect(res.pluginName).toBe('native');
    expect(res.products.map((p) => p.productId)).toEqual(['example-compute', 'basic']);
    expect(JSON.parse(res.products[0]!.supportJson)).toEqual({
      product: { id: 'example-compute', category: 'example-compute', provider: 'example' },
      docker: null,
      virtualMachine: null,
      native: {
        enabled: true,
        logs: true,
        vnc: false,
        terminal: true,
        timeExtension: true,
        utilization: true,
        web: true,
        suspension: true,
      },
    });
    // A product can declare less: the site's configuration turns features off.
    expect(JSON.parse(res.products[1]!.supportJson).native).toMatchObject({
      timeExtension: false,
      utilization: false,
      web: false,
      suspension: false,
    });
  });

  it('gives each rank of a web application its own port, reached through ConnectSession only', async () => {
    const server = `require('http').createServer((q, s) => s.end('rank ' + process.env.UCLOUD_RANK)).listen(+process.env.UCLOUD_PORT)`;
    await p().create('web', [process.execPath, '-e', server], {
      applicationType: 'WEB',
      interactivePort: 8080,
      replicas: 2,
    });
    await p().waitFor('web', 'RUNNING');
    const open = (rank: number, sessionType: proto.SessionType) =>
      new Promise<proto.OpenInteractiveSessionResponse>((resolve, reject) =>
        p().client.raw.openInteractiveSession({ jobId: 'web', rank, sessionType }, (e, r) =>
          e ? reject(e) : resolve(r),
        ),
      );
    /** One HTTP exchange over a web session's stream: what the rank answers, or how it refused. */
    const fetchOver = (rank: number) =>
      new Promise<string>((resolve, reject) => {
        const call = p().client.connectSession();
        let answer = '';
        call.on('data', (out: proto.SessionOutput) => (answer += out.data.toString()));
        call.on('end', () => resolve(answer));
        call.on('error', reject);
        const sessionType = proto.SessionType.SESSION_TYPE_WEB;
        call.write({ input: { $case: 'open', value: { jobId: 'web', rank, sessionType } } });
        const request = 'GET / HTTP/1.1\r\nHost: rank\r\nConnection: close\r\n\r\n';
        // The rank closes the connection after its answer, which ends the stream.
        call.write({ input: { $case: 'data', value: Buffer.from(request) } });
      });
    // The gateway serves web sessions: the plugin makes no link, and hands out no port.
    for (const rank of [0, 1]) {
      expect(await open(rank, proto.SessionType.SESSION_TYPE_WEB)).toEqual({
        session: { $case: 'web', value: { redirectClientTo: '' } },
      });
    }
    const answers = [];
    for (const rank of [0, 1]) {
      let answer = '';
      // The server may not listen yet: refused (FAILED_PRECONDITION) until it does.
      for (let i = 0; i < 100 && answer === ''; i++)
        answer = await fetchOver(rank).catch(async (err: unknown) => {
          expect(grpcCode(err)).toBe(status.FAILED_PRECONDITION);
          await sleep(50);
          return '';
        });
      answers.push(answer);
    }
    expect(answers[0]).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nrank 0$/);
    expect(answers[1]).toMatch(/\r\n\r\nrank 1$/);

    const refusals = await Promise.all([
      open(0, proto.SessionType.SESSION_TYPE_VNC).catch(grpcCode),
      open(5, proto.SessionType.SESSION_TYPE_WEB).catch(grpcCode),
    ]);
    expect(refusals).toEqual([status.UNIMPLEMENTED, status.INVALID_ARGUMENT]);
    // Shells are served through the gateway, which makes the identifier.
    expect(await open(1, proto.SessionType.SESSION_TYPE_SHELL)).toEqual({
      session: { $case: 'shell', value: { sessionIdentifier: '' } },
    });
    await p().client.terminateJob('web');
    await p().end('web');
  });

  it('opens a shell on a terminal in a rank: its environment and directory, resized, until it exits', async () => {
    await p().create('sh', ['sleep', '60'], { replicas: 2, environment: { GREETING: 'hi there' } });
    const call = p().client.connectSession();
    let seen = '';
    call.on('data', (out: proto.SessionOutput) => (seen += out.data.toString()));
    const ended = new Promise<void>((resolve) => call.on('end', resolve));
    const sees = async (pattern: RegExp) => {
      for (let i = 0; i < 200 && !pattern.test(seen); i++) await sleep(25);
      expect(seen).toMatch(pattern);
    };
    const type = (text: string) =>
      call.write({ input: { $case: 'data', value: Buffer.from(text) } });
    call.write({
      input: {
        $case: 'open',
        value: {
          jobId: 'sh',
          rank: 1,
          sessionType: proto.SessionType.SESSION_TYPE_SHELL,
          size: { cols: 90, rows: 30 },
        },
      },
    });
    type(
      'echo "rank $UCLOUD_RANK of $UCLOUD_NUMBER_OF_NODES, $GREETING, in ${PWD##*/}"; stty size\n',
    );
    await sees(/rank 1 of 2, hi there, in sh\r?\n30 90/);
    call.write({ input: { $case: 'resize', value: { cols: 132, rows: 43 } } });
    type('stty size\n');
    await sees(/43 132/);
    type('exit\n');
    await ended;
    await p().client.terminateJob('sh');
    await p().end('sh');
  });

  it('runs a job to SUCCESS with its exit code and its output', async () => {
    await p().create('j1', ['sh', '-c', 'echo line 1; echo oops >&2; echo "line 2 in $PWD"']);
    const logs = await p().logs('j1', true); // follow ends only once the job is done
    const end = await p().end('j1');
    expect(end).toMatchObject({ state: 'SUCCESS', status: 'The job exited with code 0' });
    expect(
      p()
        .of('j1')
        .map((e) => e.state),
    ).toEqual(['RUNNING', 'SUCCESS']);
    expect(p().of('j1')[0]!.status).toBe('Your job is now running!');
    expect(logs).toEqual({
      '0/stdout': `line 1\nline 2 in ${join(dataDir, 'jobs', 'j1')}\n`,
      '0/stderr': 'oops\n',
    });
  });

  it('reports a non-zero exit code as SUCCESS with the code', async () => {
    await p().create('j2', ['sh', '-c', 'exit 3']);
    expect(await p().end('j2')).toMatchObject({
      state: 'SUCCESS',
      status: 'The job exited with code 3',
    });
  });

  it('runs one process per replica with rank-tagged output and reports RUNNING once', async () => {
    await p().create(
      'j3',
      [
        'sh',
        '-c',
        'echo "rank $UCLOUD_RANK of $UCLOUD_NUMBER_OF_NODES in job $UCLOUD_JOB_ID $GREETING"',
      ],
      { replicas: 2, environment: { GREETING: 'hi' } },
    );
    expect(await p().end('j3')).toMatchObject({
      state: 'SUCCESS',
      status: 'The job exited with code 0 on all 2 ranks',
    });
    expect(
      p()
        .of('j3')
        .map((e) => e.state),
    ).toEqual(['RUNNING', 'SUCCESS']);
    expect(await p().logs('j3', false)).toEqual({
      '0/stdout': 'rank 0 of 2 in job j3 hi\n',
      '1/stdout': 'rank 1 of 2 in job j3 hi\n',
    });
    expect(p().groups('j3')).toHaveLength(2);
  });

  it('reports per-rank exit codes when ranks disagree', async () => {
    await p().create('j4', ['sh', '-c', 'exit $UCLOUD_RANK'], { replicas: 2 });
    expect((await p().end('j4')).status).toBe('The job exited with code 0 on rank 0, 1 on rank 1');
  });

  it('is idempotent by job id', async () => {
    await p().create('j5', ['sleep', '1000']);
    await p().create('j5', ['sleep', '1000']);
    await p().waitFor('j5', 'RUNNING');
    expect(p().groups('j5')).toHaveLength(1);
    await p().client.terminateJob('j5');
    await p().end('j5');
    expect(
      p()
        .of('j5')
        .filter((e) => e.state === 'RUNNING'),
    ).toHaveLength(1);
  });

  it('fails a job whose command does not exist, with the reason', async () => {
    await p().create('j6', ['no-such-command-xyz', 'arg']);
    expect(await p().end('j6')).toEqual(
      expect.objectContaining({
        state: 'FAILURE',
        status: 'Could not start the job: command not found: no-such-command-xyz',
      }),
    );
  });

  it('rejects a request without a command', async () => {
    const err = (await p()
      .create('j7', [])
      .catch((e: unknown) => e)) as ServiceError;
    expect(err.code).toBe(status.INVALID_ARGUMENT);
  });

  it('terminates with SIGTERM and reports the job cancelled, leaving no process behind', async () => {
    await p().create('j8', ['sleep', '1000']);
    await p().waitFor('j8', 'RUNNING');
    const [pgid] = p().groups('j8');
    expect(groupGone(pgid!)).toBe(false);
    await p().client.terminateJob('j8');
    expect(await p().end('j8')).toMatchObject({
      state: 'SUCCESS',
      status: 'Your job has been cancelled!',
    });
    expect(groupGone(pgid!)).toBe(true);
    // Terminating an ended job is not an error.
    await p().client.terminateJob('j8');
  });

  it('SIGKILLs a job that ignores SIGTERM once the grace period is over', async () => {
    await restart(1000);
    await p().create('j9', ['sh', '-c', 'trap "" TERM; echo ready; while :; do sleep 1; done']);
    await until(() => existsSync(join(dataDir, 'jobs', 'j9', 'rank-0.stdout')));
    await until(() => statSync(join(dataDir, 'jobs', 'j9', 'rank-0.stdout')).size > 0);
    const [pgid] = p().groups('j9');
    await p().client.terminateJob('j9');
    await sleep(100);
    expect(groupGone(pgid!)).toBe(false); // SIGTERM was ignored
    expect(await p().end('j9')).toMatchObject({
      state: 'SUCCESS',
      status: 'Your job has been cancelled!',
    });
    expect(groupGone(pgid!)).toBe(true);
  });

  it('answers NOT_FOUND for an unknown job', async () => {
    const err = (await p()
      .client.terminateJob('nope')
      .catch((e: unknown) => e)) as ServiceError;
    expect(err.code).toBe(status.NOT_FOUND);
  });

  it('expires a job at its deadline', async () => {
    await p().create('j10', ['sleep', '1000'], { timeAllocationMs: '300' });
    const [pgid] = p().groups('j10');
    expect(await p().end('j10')).toMatchObject({
      state: 'EXPIRED',
      status: 'Your job has reached its time limit',
    });
    expect(groupGone(pgid!)).toBe(true);
  });

  it('moves the deadline on extend', async () => {
    const before = Date.now();
    await p().create('j11', ['sleep', '1000'], { timeAllocationMs: '500' });
    const deadline = await p().client.extendJob('j11', 60_000);
    expect(deadline).toBeGreaterThanOrEqual(before + 60_500);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 60_500);
    await sleep(1000);
    expect(
      p()
        .of('j11')
        .some((e) => isFinal(e.state)),
    ).toBe(false);
    await p().client.terminateJob('j11');
    expect((await p().end('j11')).state).toBe('SUCCESS');
    const err = (await p()
      .client.extendJob('j11', 1000)
      .catch((e: unknown) => e)) as ServiceError;
    expect(err.code).toBe(status.FAILED_PRECONDITION);
  });

  it('answers no deadline when extending a job without one', async () => {
    await p().create('j12', ['sleep', '1000']);
    expect(await p().client.extendJob('j12', 1000)).toBeNull();
    await p().client.terminateJob('j12');
    await p().end('j12');
  });

  it('suspends and resumes a job', async () => {
    await p().create('j13', ['sh', '-c', 'while :; do echo tick; sleep 0.05; done']);
    const out = join(dataDir, 'jobs', 'j13', 'rank-0.stdout');
    await until(() => existsSync(out) && statSync(out).size > 0);
    const [pgid] = p().groups('j13');

    await p().client.suspendJob('j13');
    // The event reaches the stream once its batch is on disk, a moment after the call returns.
    await until(() => p().of('j13').at(-1)?.state === 'SUSPENDED');
    // SIGSTOP lands asynchronously: measure only once every process of the group has stopped. A
    // shell caught in vfork waits in D until its stopped child runs again, which is stopped too.
    await until(() =>
      liveGroupMembers(pgid!).every((pid) => ['T', 'D'].includes(readProcStat(pid)?.state ?? 'T')),
    );
    const size = statSync(out).size;
    await sleep(300);
    expect(statSync(out).size).toBe(size);

    await p().client.unsuspendJob('j13');
    await until(() => p().of('j13').at(-1)?.state === 'RUNNING');
    await until(() => statSync(out).size > size);

    expect(
      p()
        .of('j13')
        .map((e) => e.state),
    ).toEqual(['RUNNING', 'SUSPENDED', 'RUNNING']);
    await p().client.suspendJob('j13');
    await p().client.terminateJob('j13'); // a suspended job is resumed to act on SIGTERM
    expect((await p().end('j13')).status).toBe('Your job has been cancelled!');
  });

  it('knows which jobs it has no record of', async () => {
    await p().create('j14', ['true']);
    await p().end('j14');
    expect(await p().client.verifyJobs(['j14', 'never-seen'])).toEqual(['never-seen']);
  });

  it('reports real capacity and the resources of running jobs', async () => {
    const idle = await p().client.retrieveUtilization();
    expect(idle.capacityCpu).toBeGreaterThan(0);
    expect(Number(idle.capacityMemoryBytes)).toBeGreaterThan(0);
    expect(idle).toMatchObject({ usedCpu: 0, usedMemoryBytes: '0', running: 0, pending: 0 });

    await p().create('j15', ['sleep', '1000'], { replicas: 2, cpu: 1, memoryBytes: '1000' });
    await p().create('j16', ['sleep', '1000']); // no resources in the request: the product's cpu
    const busy = await p().client.retrieveUtilization('example-compute');
    expect(busy).toMatchObject({ usedCpu: 4, usedMemoryBytes: '2000', running: 2, pending: 0 });
    expect((await p().client.retrieveUtilization('other')).running).toBe(0);
    await p().client.terminateJob('j15');
    await p().client.terminateJob('j16');
    await p().end('j15');
    await p().end('j16');
  });

  describe('across a plugin restart', () => {
    const waitForGo = ['sh', '-c', 'while [ ! -f go ]; do sleep 0.05; done; echo finished; exit 7'];
    const go = (jobId: string) => writeFileSync(join(dataDir, 'jobs', jobId, 'go'), '');

    it('re-attaches to a running job and reports its end', async () => {
      await p().create('r1', waitForGo);
      await p().waitFor('r1', 'RUNNING');
      const streamId = p().server.eventStreamId;
      const [pgid] = p().groups('r1');

      await stopPlugin();
      await sleep(200);
      expect(groupGone(pgid!)).toBe(false); // the job outlives the plugin

      await restart();
      expect(p().server.eventStreamId).toBe(streamId);
      go('r1');
      expect(await p().end('r1')).toMatchObject({
        state: 'SUCCESS',
        status: 'The job exited with code 7',
      });
      const events = p().of('r1');
      expect(events.filter((e) => e.expectedState === null).map((e) => e.state)).toEqual([
        'RUNNING',
        'SUCCESS',
      ]);
      // At restart it says again that the job runs, only where that was never heard.
      expect(events.filter((e) => e.expectedState !== null).map((e) => e.expectedState)).toEqual([
        'IN_QUEUE',
        'SUSPENDED',
      ]);
      expect(events.find((e) => e.expectedState === 'IN_QUEUE')!.timestamp).toBe(
        events[0]!.timestamp,
      );
      expect((await p().logs('r1', true))['0/stdout']).toBe('finished\n');
    });

    it('reports a job that ended while the plugin was down', async () => {
      await p().create('r2', waitForGo);
      await p().waitFor('r2', 'RUNNING');
      const [pgid] = p().groups('r2');
      await stopPlugin();

      go('r2');
      await until(() => groupGone(pgid!));
      const goneAt = Date.now();
      await sleep(1000);
      await restart();
      const end = await p().end('r2');
      expect(end).toMatchObject({ state: 'SUCCESS', status: 'The job exited with code 7' });
      // Stamped with when it exited, not when the new plugin noticed.
      expect(end.timestamp).toBeLessThanOrEqual(goneAt);
    });

    it('fails a job whose processes were killed while the plugin was down', async () => {
      await p().create('r3', ['sleep', '1000']);
      await p().waitFor('r3', 'RUNNING');
      const [pgid] = p().groups('r3');
      await stopPlugin();

      signalGroup(pgid!, 'SIGKILL');
      await until(() => groupGone(pgid!));
      await restart();
      expect(await p().end('r3')).toMatchObject({
        state: 'FAILURE',
        status: "The job's processes disappeared while the plugin was down",
      });
    });

    it('finishes a termination that was under way when the plugin stopped', async () => {
      await restart(60_000);
      await p().create('r4', ['sh', '-c', 'trap "" TERM; while :; do sleep 1; done']);
      await p().waitFor('r4', 'RUNNING');
      await sleep(100); // let the shell install its trap
      const [pgid] = p().groups('r4');
      await p().client.terminateJob('r4');
      await stopPlugin();
      expect(groupGone(pgid!)).toBe(false);

      await restart(200); // a shorter grace now: the SIGKILL comes from the new plugin
      expect(await p().end('r4')).toMatchObject({
        state: 'SUCCESS',
        status: 'Your job has been cancelled!',
      });
      expect(groupGone(pgid!)).toBe(true);
    });
  });
});
