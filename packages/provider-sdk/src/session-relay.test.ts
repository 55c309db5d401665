import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { SessionType, type SessionInput, type SessionOutput } from '@ucloud/provider-proto';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type ComputeBackend, type SessionTarget, type TerminalSize } from './backend.js';
import { connectPlugin, type PluginClient } from './client.js';
import { FailedPreconditionError } from './errors.js';
import { servePlugin, type PluginServer } from './server.js';

/** A backend whose only session is an echo: what the user sends comes back. */
function echoBackend(opened: SessionTarget[], sizes: TerminalSize[], streams: PassThrough[]) {
  const backend: ComputeBackend = {
    name: 'echo',
    describe: () => [],
    start: async () => undefined,
    stop: async () => undefined,
    create: async () => ({}),
    terminate: async () => undefined,
    extend: async () => null,
    suspend: async () => undefined,
    unsuspend: async () => undefined,
    verify: async () => [],
    utilization: async () => ({
      capacityCpu: 0,
      capacityMemoryBytes: 0,
      usedCpu: 0,
      usedMemoryBytes: 0,
      running: 0,
      pending: 0,
    }),
    streamLogs: async function* () {},
    connectSession: async (target) => {
      if (target.jobId === 'ended') throw new FailedPreconditionError('Job ended is not running');
      opened.push(target);
      const stream = new PassThrough();
      streams.push(stream);
      return { stream, resize: (size) => sizes.push(size) };
    },
  };
  return backend;
}

const dirs: string[] = [];
let server: PluginServer | null = null;
let client: PluginClient | null = null;
afterEach(async () => {
  client?.close();
  await server?.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function serve(backend: ComputeBackend): Promise<PluginClient> {
  const dataDir = mkdtempSync(join(tmpdir(), 'session-relay-'));
  dirs.push(dataDir);
  server = await servePlugin(backend, {
    address: '127.0.0.1:0',
    dataDir,
    logger: pino({ level: 'silent' }),
  });
  client = connectPlugin(`127.0.0.1:${server.port}`);
  return client;
}

const received = (call: ClientDuplexStream<SessionInput, SessionOutput>) =>
  new Promise<{ data: string; error: ServiceError | null }>((resolve) => {
    let data = '';
    call.on('data', (out: SessionOutput) => (data += out.data.toString()));
    call.on('error', (error: ServiceError) => resolve({ data, error }));
    call.on('end', () => resolve({ data, error: null }));
  });

describe('ConnectSession', () => {
  it('relays bytes both ways and resizes, then ends when the rank side ends', async () => {
    const opened: SessionTarget[] = [];
    const sizes: TerminalSize[] = [];
    const streams: PassThrough[] = [];
    const plugin = await serve(echoBackend(opened, sizes, streams));
    const call = plugin.connectSession();
    const result = received(call);
    call.write({
      input: {
        $case: 'open',
        value: {
          jobId: '7',
          rank: 1,
          sessionType: SessionType.SESSION_TYPE_SHELL,
          size: { cols: 80, rows: 24 },
        },
      },
    });
    call.write({ input: { $case: 'data', value: Buffer.from('hello ') } });
    call.write({ input: { $case: 'resize', value: { cols: 100, rows: 40 } } });
    call.write({ input: { $case: 'data', value: Buffer.from('world') } });
    await waitFor(() => streams.length === 1 && sizes.length === 1);
    // The rank's side ends (the VNC server closes, the shell exits).
    setTimeout(() => streams[0]!.end(), 100);
    expect(await result).toEqual({ data: 'hello world', error: null });
    expect(opened).toEqual([{ jobId: '7', rank: 1, kind: 'SHELL', size: { cols: 80, rows: 24 } }]);
    expect(sizes).toEqual([{ cols: 100, rows: 40 }]);
  });

  it('closes the rank side when the user leaves', async () => {
    const streams: PassThrough[] = [];
    const plugin = await serve(echoBackend([], [], streams));
    const call = plugin.connectSession();
    call.write({
      input: {
        $case: 'open',
        value: { jobId: '7', rank: 0, sessionType: SessionType.SESSION_TYPE_VNC },
      },
    });
    await waitFor(() => streams.length === 1);
    call.on('error', () => undefined); // CANCELLED, as asked
    call.cancel();
    await waitFor(() => streams[0]!.destroyed);
  });

  it("answers the backend's refusal as a gRPC status", async () => {
    const plugin = await serve(echoBackend([], [], []));
    const call = plugin.connectSession();
    const result = received(call);
    call.write({
      input: {
        $case: 'open',
        value: { jobId: 'ended', rank: 0, sessionType: SessionType.SESSION_TYPE_VNC },
      },
    });
    const { error } = await result;
    expect(error?.code).toBe(9); // FAILED_PRECONDITION
    expect(error?.details).toBe('Job ended is not running');
  });

  it('refuses a stream that does not start with open', async () => {
    const plugin = await serve(echoBackend([], [], []));
    const call = plugin.connectSession();
    const result = received(call);
    call.write({ input: { $case: 'data', value: Buffer.from('x') } });
    const { error } = await result;
    expect(error?.code).toBe(3); // INVALID_ARGUMENT
    expect(error?.details).toBe('The first message must be `open`');
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not so after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
