import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { JobState, LogStream, type JobEvent, type LogChunk } from '@ucloud/provider-proto';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type ComputeBackend,
  type CreateJobSpec,
  type PluginContext,
  type StreamLogsSpec,
} from './backend.js';
import { connectPlugin, type PluginClient } from './client.js';
import {
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  ResourceExhaustedError,
  UnavailableError,
  UnsupportedError,
} from './errors.js';
import { streamFileLogs } from './file-logs.js';
import { servePlugin, type PluginServer } from './server.js';

const logger = pino({ level: 'silent' });

/** A fake backend: records what it is asked, reports what the test tells it to, fails on cue. */
class FakeBackend implements ComputeBackend {
  readonly name = 'fake';
  ctx: PluginContext | null = null;
  created: CreateJobSpec[] = [];
  stopped = false;
  failWith: Error | null = null;
  logDir = '';
  logsDone = false;
  logPolls = 0;

  describe() {
    return [{ productId: 'p1', category: 'cat', support: { product: { id: 'p1' }, native: null } }];
  }
  async start(ctx: PluginContext) {
    this.ctx = ctx;
  }
  async stop() {
    this.stopped = true;
  }
  async create(job: CreateJobSpec) {
    this.maybeFail();
    this.created.push(job);
    return { providerGeneratedId: `fake-${job.jobId}` };
  }
  async terminate() {
    this.maybeFail();
  }
  async extend(_jobId: string, extendByMs: number) {
    this.maybeFail();
    return extendByMs === 0 ? null : 1_000_000 + extendByMs;
  }
  async suspend() {
    this.maybeFail();
  }
  async unsuspend() {
    this.maybeFail();
  }
  async verify(jobIds: string[]) {
    return jobIds.filter((id) => id.startsWith('unknown'));
  }
  async utilization() {
    return {
      capacityCpu: 8,
      capacityMemoryBytes: 2 ** 34,
      usedCpu: 1.5,
      usedMemoryBytes: 2 ** 30,
      running: 1,
      pending: 2,
    };
  }
  streamLogs(request: StreamLogsSpec) {
    this.maybeFail();
    return streamFileLogs({
      files: () => [
        { rank: 0, stream: 'stdout', path: join(this.logDir, 'out') },
        { rank: 0, stream: 'stderr', path: join(this.logDir, 'err') },
      ],
      isDone: () => {
        this.logPolls++;
        return this.logsDone;
      },
      offsets: request.offsets,
      follow: request.follow,
      signal: request.signal,
      pollIntervalMs: 10,
    });
  }
  emit(jobId: string) {
    return this.ctx!.emit({ jobId, state: 'RUNNING', status: 'running' });
  }
  private maybeFail() {
    if (this.failWith) throw this.failWith;
  }
}

let dataDir: string;
let backend: FakeBackend;
let server: PluginServer | null;
let client: PluginClient;

async function start(): Promise<void> {
  backend = new FakeBackend();
  backend.logDir = dataDir;
  server = await servePlugin(backend, { address: '127.0.0.1:0', dataDir, logger });
  client = connectPlugin(`127.0.0.1:${server.port}`);
}

async function stop(): Promise<void> {
  client.close();
  await server?.close();
  server = null;
}

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'plugin-server-'));
  await start();
});

afterEach(async () => {
  await stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Reads `n` messages from a stream, calling onEach as they come; rejects if the stream ends first. */
function read<T>(
  stream: ClientReadableStream<T>,
  n: number,
  onEach?: (m: T) => void,
): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const got: T[] = [];
    if (n === 0) {
      resolve(got);
      return;
    }
    const onData = (m: T) => {
      got.push(m);
      onEach?.(m);
      if (got.length === n) {
        stream.off('data', onData);
        resolve(got);
      }
    };
    stream.on('data', onData);
    stream.on('error', reject);
    stream.on('end', () => reject(new Error(`stream ended after ${got.length} of ${n}`)));
  });
}

/** Reads a stream to its end. */
function readAll<T>(stream: ClientReadableStream<T>): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const got: T[] = [];
    stream.on('data', (m: T) => got.push(m));
    stream.on('error', reject);
    stream.on('end', () => resolve(got));
  });
}

const seqs = (events: JobEvent[]) => events.map((e) => Number(e.seq));
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('servePlugin', () => {
  it('describes the plugin, its event stream and products', async () => {
    const res = await client.describe();
    expect(res.pluginName).toBe('fake');
    expect(res.eventStreamId).toBe(server!.eventStreamId);
    expect(res.products).toHaveLength(1);
    expect(res.products[0]).toMatchObject({ productId: 'p1', category: 'cat' });
    expect(JSON.parse(res.products[0]!.supportJson)).toEqual({
      product: { id: 'p1' },
      native: null,
    });
  });

  it('delegates unary calls with their wire encoding undone', async () => {
    const created = await client.createJob({
      jobId: 'j1',
      replicas: 2,
      argv: ['echo', 'hi'],
      environment: { A: 'b' },
      timeAllocationMs: '60000',
      memoryBytes: '1073741824',
    });
    expect(created.providerGeneratedId).toBe('fake-j1');
    expect(backend.created[0]).toMatchObject({
      jobId: 'j1',
      replicas: 2,
      argv: ['echo', 'hi'],
      environment: { A: 'b' },
      timeAllocationMs: 60000,
      memoryBytes: 2 ** 30,
      backend: 'UNSPECIFIED',
    });
    await client.createJob({ jobId: 'j2' });
    expect(backend.created[1]!.timeAllocationMs).toBeNull();

    expect(await client.extendJob('j1', 5000)).toBe(1_005_000);
    expect(await client.extendJob('j1', 0)).toBeNull();
    expect(await client.verifyJobs(['a', 'unknown-1', 'b'])).toEqual(['unknown-1']);
    expect(await client.retrieveUtilization()).toEqual({
      capacityCpu: 8,
      capacityMemoryBytes: String(2 ** 34),
      usedCpu: 1.5,
      usedMemoryBytes: String(2 ** 30),
      running: 1,
      pending: 2,
    });
  });

  describe('error mapping', () => {
    const cases: Array<[string, Error, status]> = [
      ['NotFoundError', new NotFoundError('No such job: j9'), status.NOT_FOUND],
      ['InvalidArgumentError', new InvalidArgumentError('bad argv'), status.INVALID_ARGUMENT],
      [
        'FailedPreconditionError',
        new FailedPreconditionError('The job has already ended'),
        status.FAILED_PRECONDITION,
      ],
      [
        'UnsupportedError',
        new UnsupportedError('Suspension is not supported'),
        status.UNIMPLEMENTED,
      ],
      [
        'ResourceExhaustedError',
        new ResourceExhaustedError('No free cores'),
        status.RESOURCE_EXHAUSTED,
      ],
      ['UnavailableError', new UnavailableError('slurmctld is down'), status.UNAVAILABLE],
      ['an unexpected error', new Error('disk on fire'), status.INTERNAL],
    ];
    it.each(cases)('%s keeps its message and maps to its gRPC code', async (_, error, code) => {
      backend.failWith = error;
      const err = (await client.suspendJob('j1').catch((e: unknown) => e)) as ServiceError;
      expect(err.code).toBe(code);
      expect(err.details).toBe(error.message);
    });

    it('rejects requests without a job id', async () => {
      const err = (await client.terminateJob('').catch((e: unknown) => e)) as ServiceError;
      expect(err.code).toBe(status.INVALID_ARGUMENT);
    });

    it('maps errors of streaming calls too', async () => {
      backend.failWith = new NotFoundError('No such job: j9');
      const err = await readAll(client.streamLogs({ jobId: 'j9' })).catch((e: unknown) => e);
      expect((err as ServiceError).code).toBe(status.NOT_FOUND);
    });
  });

  describe('WatchEvents', () => {
    it('sends stored events after after_seq, then live ones', async () => {
      for (let i = 1; i <= 3; i++) backend.emit(`j${i}`);
      const stream = client.watchEvents(1);
      const replayed = await read(stream, 2);
      expect(seqs(replayed)).toEqual([2, 3]);
      expect(replayed[0]).toMatchObject({
        jobId: 'j2',
        state: JobState.JOB_STATE_RUNNING,
        status: 'running',
        eventStreamId: server!.eventStreamId,
        expectedState: JobState.JOB_STATE_UNSPECIFIED,
        newExpiresAt: '0',
      });
      const live = read(stream, 1);
      backend.ctx!.emit({ jobId: 'j4', newExpiresAt: 99, expectedState: 'RUNNING' });
      expect((await live)[0]).toMatchObject({
        seq: '4',
        state: JobState.JOB_STATE_UNSPECIFIED,
        newExpiresAt: '99',
        expectedState: JobState.JOB_STATE_RUNNING,
      });
      stream.cancel();
    });

    it('never skips or repeats an event emitted while the replay is running', async () => {
      for (let i = 0; i < 500; i++) backend.emit(`old-${i}`);
      const stream = client.watchEvents(0);
      let emitted = 500;
      const got = await read(stream, 600, () => {
        if (emitted < 600) {
          backend.emit(`during-${emitted}`);
          emitted++;
        }
      });
      expect(seqs(got)).toEqual(range(1, 600));
      stream.cancel();
    });

    it('serves concurrent watchers', async () => {
      const a = client.watchEvents(0);
      const b = client.watchEvents(0);
      const pa = read(a, 20);
      const pb = read(b, 20);
      for (let i = 0; i < 20; i++) backend.emit(`j${i}`);
      expect(seqs(await pa)).toEqual(range(1, 20));
      expect(seqs(await pb)).toEqual(range(1, 20));
      a.cancel();
      b.cancel();
    });

    it('resumes after an ack and a restart with the same stream id and numbering', async () => {
      const streamId = server!.eventStreamId;
      for (let i = 0; i < 5; i++) backend.emit(`j${i}`);
      await client.ackEvents(3);
      await stop();
      await start();

      expect((await client.describe()).eventStreamId).toBe(streamId);
      backend.emit('after-restart');
      const stream = client.watchEvents(0);
      const got = await read(stream, 3);
      expect(seqs(got)).toEqual([4, 5, 6]);
      expect(got[2]!.jobId).toBe('after-restart');
      stream.cancel();
    });

    it('ends open streams cleanly when the server closes', async () => {
      backend.emit('j1');
      const stream = client.watchEvents(0);
      const ended = new Promise<number>((resolve, reject) => {
        stream.on('status', (s: { code: number }) => resolve(s.code));
        stream.on('error', reject);
      });
      stream.on('data', () => undefined);
      await read(stream, 1);
      await server!.close();
      server = null;
      expect(await ended).toBe(status.OK);
      expect(backend.stopped).toBe(true);
    });
  });

  describe('StreamLogs', () => {
    it('sends output from the requested offsets', async () => {
      appendFileSync(join(dataDir, 'out'), 'hello world\n');
      appendFileSync(join(dataDir, 'err'), 'warning\n');
      const chunks = await readAll(
        client.streamLogs({
          jobId: 'j1',
          offsets: [{ rank: 0, stream: LogStream.LOG_STREAM_STDOUT, offset: '6' }],
        }),
      );
      const out = chunks.find((c) => c.stream === LogStream.LOG_STREAM_STDOUT)!;
      expect(out.offset).toBe('6');
      expect(out.data.toString()).toBe('world\n');
      const err = chunks.find((c) => c.stream === LogStream.LOG_STREAM_STDERR)!;
      expect(err.data.toString()).toBe('warning\n');
    });

    it('follows until the job is done and stops polling when the client cancels', async () => {
      const stream = client.streamLogs({ jobId: 'j1', follow: true });
      const first = read<LogChunk>(stream, 1);
      appendFileSync(join(dataDir, 'out'), 'line 1\n');
      expect((await first)[0]!.data.toString()).toBe('line 1\n');

      stream.cancel();
      await new Promise((r) => setTimeout(r, 100));
      const polls = backend.logPolls;
      await new Promise((r) => setTimeout(r, 100));
      expect(backend.logPolls).toBe(polls);

      const followed = client.streamLogs({ jobId: 'j1', follow: true });
      const all = readAll(followed);
      appendFileSync(join(dataDir, 'out'), 'line 2\n');
      backend.logsDone = true;
      const text = Buffer.concat((await all).map((c) => c.data)).toString();
      expect(text).toBe('line 1\nline 2\n');
    });
  });
});
