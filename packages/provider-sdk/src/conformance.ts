import assert from 'node:assert/strict';
import { status, type ClientReadableStream } from '@grpc/grpc-js';
import {
  JobState,
  LogStream,
  type CreateJobRequest,
  type DeepPartial,
  type JobEvent,
} from '@ucloud/provider-proto';
import { z } from 'zod';
import { connectPlugin, type PluginClient } from './client.js';

/**
 * The behaviour the gateway and orchestrator rely on from any plugin, as checks a plugin's own
 * test suite runs against the real plugin over gRPC (see the README, "Writing a provider plugin"):
 *
 *   const kit = conformanceKit(target);
 *   beforeAll(kit.setUp); afterAll(kit.tearDown);
 *   for (const check of kit.checks) it(check.name, check.run, kit.checkTimeoutMs);
 *
 * Checks run in order and share one plugin; the restart check stops and starts it.
 */
export interface ConformanceTarget {
  /** Starts the plugin, over the same state as before after a stop, and answers its address. */
  start(): Promise<string>;
  /** Stops the plugin as an operator would; its jobs keep running. */
  stop(): Promise<void>;
  /**
   * A CreateJob request for a job the plugin can run: it prints each of `lines` on stdout, one
   * every `secondsPerLine` seconds, then exits 0. The kit gives each job a fresh id.
   */
  job(
    jobId: string,
    run: { lines: string[]; secondsPerLine: number },
  ): DeepPartial<CreateJobRequest>;
  /** How long a short job may take from create to its end here (queues, image pulls); 60 s. */
  jobTimeoutMs?: number;
}

// Function-typed properties, not methods: they are handed to the test runner unbound.
export interface ConformanceCheck {
  name: string;
  run: () => Promise<void>;
}

export interface ConformanceKit {
  setUp: () => Promise<void>;
  tearDown: () => Promise<void>;
  checks: ConformanceCheck[];
  /** A timeout for each check that leaves room for the jobs it waits on. */
  checkTimeoutMs: number;
}

const FINAL = new Set([
  JobState.JOB_STATE_SUCCESS,
  JobState.JOB_STATE_FAILURE,
  JobState.JOB_STATE_EXPIRED,
]);

/** Every event of the plugin's log, kept across restarts of the plugin. */
class EventLog {
  readonly events: JobEvent[] = [];
  private watch: ClientReadableStream<JobEvent> | null = null;

  follow(client: PluginClient): void {
    const after = Number(this.events.at(-1)?.seq ?? 0);
    this.watch = client.watchEvents(after);
    this.watch.on('data', (e: JobEvent) => this.events.push(e));
    this.watch.on('error', () => undefined); // ends with the plugin; follow() is called again
  }

  stop(): void {
    this.watch?.cancel();
    this.watch = null;
  }

  /** The sequence number of the latest event seen. */
  lastSeq(): number {
    const last = this.events.at(-1);
    assert.ok(last, 'no events');
    return Number(last.seq);
  }

  of(jobId: string): JobEvent[] {
    return this.events.filter((e) => e.jobId === jobId);
  }

  async until(
    jobId: string,
    what: string,
    done: (events: JobEvent[]) => boolean,
    timeoutMs: number,
  ) {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.of(jobId))) {
      if (Date.now() > deadline) {
        const seen = this.of(jobId).map((e) => `${JobState[e.state]} "${e.status}"`);
        throw new Error(
          `job ${jobId}: ${what} did not happen in ${timeoutMs} ms; events: ${seen.join(', ') || 'none'}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return this.of(jobId);
  }
}

const states = (events: JobEvent[]) =>
  events.map((e) => e.state).filter((s) => s !== JobState.JOB_STATE_UNSPECIFIED);
const ended = (events: JobEvent[]) => states(events).some((s) => FINAL.has(s));
const running = (events: JobEvent[]) => states(events).includes(JobState.JOB_STATE_RUNNING);

/** The gRPC status code `call` fails with, or 'ok'. */
async function grpcCode(call: Promise<unknown>): Promise<number | 'ok'> {
  try {
    await call;
    return 'ok';
  } catch (err) {
    assert.ok(err instanceof Error && 'code' in err, `not a gRPC error: ${String(err)}`);
    return Number(err.code);
  }
}

/** support_json of a product: the spec's ComputeSupport, the product and a block per backend. */
const SupportJson = z.record(z.string(), z.unknown());
const SupportProduct = z.object({ product: z.object({ id: z.string().optional() }).optional() });
const SupportBlock = z.record(z.string(), z.unknown());

/** Rank 0's stdout from `offset`; with follow, until the job has ended and all of it is sent. */
function stdout(client: PluginClient, jobId: string, offset = 0, follow = true): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const stream = client.streamLogs({
      jobId,
      follow,
      offsets: [{ rank: 0, stream: LogStream.LOG_STREAM_STDOUT, offset: String(offset) }],
    });
    stream.on('data', (c: { rank: number; stream: LogStream; data: Buffer }) => {
      if (c.rank === 0 && c.stream === LogStream.LOG_STREAM_STDOUT) chunks.push(c.data);
    });
    stream.on('end', () => resolve(Buffer.concat(chunks).toString()));
    stream.on('error', reject);
  });
}

/** The argv of a POSIX shell command doing what `ConformanceTarget.job` asks, for plugins that run commands. */
export function printingCommand(run: { lines: string[]; secondsPerLine: number }): string[] {
  const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;
  const pause = run.secondsPerLine > 0 ? `sleep ${run.secondsPerLine}; ` : '';
  const steps = run.lines.map((line) => `${pause}printf '%s\\n' ${quote(line)}`);
  return ['/bin/sh', '-c', steps.join('; ') || 'true'];
}

export function conformanceKit(target: ConformanceTarget): ConformanceKit {
  const timeoutMs = target.jobTimeoutMs ?? 60_000;
  const log = new EventLog();
  const run = `conf-${Date.now().toString(36)}`;
  let jobs = 0;
  const newJobId = () => `${run}-${++jobs}`;
  let connection: PluginClient | null = null;
  const plugin = (): PluginClient => {
    assert.ok(connection, 'not connected to the plugin (did setUp fail?)');
    return connection;
  };

  const connect = async () => {
    connection = connectPlugin(await target.start());
    log.follow(connection);
  };
  const disconnect = async () => {
    log.stop();
    connection?.close();
    connection = null;
    await target.stop();
  };
  const start = async (lines: string[], secondsPerLine = 0) => {
    const jobId = newJobId();
    await plugin().createJob(target.job(jobId, { lines, secondsPerLine }));
    return jobId;
  };
  /** Support flags of the product the target's jobs use. */
  const support = async () => {
    const request = target.job('probe', { lines: [], secondsPerLine: 0 });
    const { products } = await plugin().describe();
    const product = products.find((p) => p.productId === request.productId);
    assert.ok(
      product,
      `Describe does not list the product ${request.productId ?? '(none)'} the target's jobs use`,
    );
    const blocks = Object.values(SupportJson.parse(JSON.parse(product.supportJson)));
    const flag = (name: string) =>
      blocks.some((b) => {
        const block = SupportBlock.safeParse(b);
        return block.success && block.data.enabled === true && block.data[name] === true;
      });
    return { timeExtension: flag('timeExtension'), suspension: flag('suspension') };
  };
  const terminateAndWait = async (jobId: string) => {
    await plugin().terminateJob(jobId);
    await log.until(jobId, 'its end after TerminateJob', ended, timeoutMs);
  };

  const checks: ConformanceCheck[] = [
    {
      name: 'describes its products, each with the spec ComputeSupport for it',
      async run() {
        const described = await plugin().describe();
        assert.ok(described.pluginName, 'plugin_name is empty');
        assert.ok(described.eventStreamId, 'event_stream_id is empty');
        assert.ok(described.products.length > 0, 'no products');
        for (const p of described.products) {
          assert.ok(
            p.productId && p.category,
            `a product without id or category: ${JSON.stringify(p)}`,
          );
          const support = SupportProduct.parse(JSON.parse(p.supportJson));
          assert.equal(
            support.product?.id,
            p.productId,
            `support_json of ${p.productId} names another product`,
          );
        }
      },
    },
    {
      name: 'runs a job: RUNNING, then SUCCESS, with its output in order and complete',
      async run() {
        const jobId = await start(['first line', 'second line']);
        const events = await log.until(jobId, 'its end', ended, timeoutMs);
        const seen = states(events);
        assert.ok(seen.includes(JobState.JOB_STATE_RUNNING), 'no RUNNING before the end');
        assert.equal(seen.at(-1), JobState.JOB_STATE_SUCCESS, 'did not end SUCCESS');
        assert.equal(seen.filter((s) => FINAL.has(s)).length, 1, 'more than one final state');
        assert.equal(await stdout(plugin(), jobId), 'first line\nsecond line\n');
      },
    },
    {
      name: 'numbers its events in increasing order, each with a timestamp',
      async run() {
        const seqs = log.events.map((e) => Number(e.seq));
        assert.ok(seqs.length > 0, 'no events');
        assert.deepEqual(
          [...seqs].sort((a, b) => a - b),
          seqs,
          'events out of order',
        );
        assert.equal(new Set(seqs).size, seqs.length, 'a sequence number used twice');
        for (const e of log.events)
          assert.ok(Number(e.timestamp) > 0, `event ${e.seq} has no timestamp`);
      },
    },
    {
      name: 'treats a repeated CreateJob as the same job (idempotent by job id)',
      async run() {
        const jobId = newJobId();
        const request = target.job(jobId, { lines: ['once'], secondsPerLine: 0 });
        const first = await plugin().createJob(request);
        const again = await plugin().createJob(request);
        await log.until(jobId, 'its end', ended, timeoutMs);
        if (first.providerGeneratedId && again.providerGeneratedId) {
          assert.equal(
            again.providerGeneratedId,
            first.providerGeneratedId,
            'a second provider id',
          );
        }
        assert.equal(await stdout(plugin(), jobId), 'once\n', 'the job ran twice');
        assert.equal(states(log.of(jobId)).filter((s) => FINAL.has(s)).length, 1);
      },
    },
    {
      name: 'resumes logs from a byte offset: the rest, no replay',
      async run() {
        const jobId = await start(['abc', 'def']);
        await log.until(jobId, 'its end', ended, timeoutMs);
        assert.equal(await stdout(plugin(), jobId, 4), 'def\n');
        assert.equal(await stdout(plugin(), jobId, 8, false), '');
      },
    },
    {
      name: 'follows the output of a running job as it is written',
      async run() {
        const jobId = await start(['tick 1', 'tick 2', 'tick 3'], 1);
        await log.until(jobId, 'RUNNING', running, timeoutMs);
        assert.equal(await stdout(plugin(), jobId), 'tick 1\ntick 2\ntick 3\n');
      },
    },
    {
      name: 'terminates a running job, reports its end, and takes a second terminate calmly',
      async run() {
        const jobId = await start(['started', ...Array.from({ length: 600 }, (_, i) => `${i}`)], 1);
        await log.until(jobId, 'RUNNING', running, timeoutMs);
        await terminateAndWait(jobId);
        assert.equal(
          await grpcCode(plugin().terminateJob(jobId)),
          'ok',
          'terminating an ended job failed',
        );
      },
    },
    {
      name: 'answers NOT_FOUND for a job it never had, and names it unknown in VerifyJobs',
      async run() {
        const stranger = `${run}-never-created`;
        assert.equal(await grpcCode(plugin().terminateJob(stranger)), status.NOT_FOUND);
        assert.equal(await grpcCode(plugin().extendJob(stranger, 60_000)), status.NOT_FOUND);
        const known = `${run}-1`;
        assert.deepEqual(await plugin().verifyJobs([known, stranger]), [stranger]);
      },
    },
    {
      name: 'extends and suspends where the product declares it, and refuses where it does not',
      async run() {
        const declared = await support();
        const jobId = await start(['long', ...Array.from({ length: 600 }, (_, i) => `${i}`)], 1);
        await log.until(jobId, 'RUNNING', running, timeoutMs);
        const extended = await grpcCode(plugin().extendJob(jobId, 60_000));
        assert.equal(extended, declared.timeExtension ? 'ok' : status.UNIMPLEMENTED, 'ExtendJob');
        const suspended = await grpcCode(plugin().suspendJob(jobId));
        assert.equal(suspended, declared.suspension ? 'ok' : status.UNIMPLEMENTED, 'SuspendJob');
        if (declared.suspension) {
          await log.until(
            jobId,
            'SUSPENDED',
            (e) => states(e).includes(JobState.JOB_STATE_SUSPENDED),
            timeoutMs,
          );
          await plugin().unsuspendJob(jobId);
          await log.until(
            jobId,
            'RUNNING again',
            (e) =>
              states(e).lastIndexOf(JobState.JOB_STATE_RUNNING) >
              states(e).indexOf(JobState.JOB_STATE_SUSPENDED),
            timeoutMs,
          );
        }
        await terminateAndWait(jobId);
      },
    },
    {
      name: 'keeps its jobs and its event log across a restart, and reports an end it missed',
      async run() {
        const { eventStreamId } = await plugin().describe();
        const lastSeq = log.lastSeq();
        const survivor = await start(['before', 'after'], 3);
        const missed = await start(['short', 'lived'], 1);
        await log.until(survivor, 'RUNNING', running, timeoutMs);
        await log.until(missed, 'RUNNING', running, timeoutMs);
        await disconnect();
        await new Promise((r) => setTimeout(r, 3000)); // `missed` ends while the plugin is down
        await connect();

        assert.equal(
          (await plugin().describe()).eventStreamId,
          eventStreamId,
          'the event log started over',
        );
        await log.until(missed, 'its end, reported after the restart', ended, timeoutMs);
        await log.until(survivor, 'its end after the restart', ended, timeoutMs);
        assert.equal(states(log.of(survivor)).at(-1), JobState.JOB_STATE_SUCCESS);
        assert.equal(await stdout(plugin(), survivor), 'before\nafter\n');
        assert.deepEqual(await plugin().verifyJobs([survivor, missed]), []);
        assert.ok(log.lastSeq() > lastSeq);
      },
    },
  ];

  return {
    setUp: connect,
    tearDown: disconnect,
    checks,
    checkTimeoutMs: 3 * timeoutMs,
  };
}
