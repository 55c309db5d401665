import { status } from '@grpc/grpc-js';
import { type ProviderLogChunk, providerRoutes } from '@ucloud/contracts';
import { Backend, LogStream } from '@ucloud/provider-proto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeOrchestrator } from './testing/fake-orchestrator.js';
import { FakePlugin, fakeProduct } from './testing/fake-plugin.js';
import {
  PROVIDER_ID,
  type RunningGateway,
  startGateway,
  TOKEN,
  waitFor,
} from './testing/harness.js';
import { fakeJob, SPEC_VERIFY_BODY } from './testing/jobs.js';

const routes = providerRoutes(PROVIDER_ID);

describe('JobsProvider face', () => {
  let docker: FakePlugin;
  let native: FakePlugin;
  let orchestrator: FakeOrchestrator;
  let gw: RunningGateway;

  beforeAll(async () => {
    docker = await FakePlugin.start({
      name: 'docker',
      products: [fakeProduct('example-compute-1', 'example-compute', 'docker')],
    });
    native = await FakePlugin.start({
      name: 'native',
      products: [fakeProduct('native-1', 'native-compute', 'native')],
    });
    orchestrator = await FakeOrchestrator.start(TOKEN, PROVIDER_ID);
    gw = await startGateway([docker, native], orchestrator.url);
    await waitFor(
      () => [...gw.gateway.pumps.values()].every((p) => p.state === 'live'),
      'plugins to connect',
    );
  });

  afterAll(async () => {
    await gw.stop();
    await docker.stop();
    await native.stop();
    await orchestrator.stop();
  });

  beforeEach(() => {
    docker.created.length = 0;
    native.created.length = 0;
    orchestrator.state.updates.length = 0;
  });

  const nativeApp = {
    metadata: { name: 'native-app', version: '1' },
    invocation: {
      tool: {
        name: 't',
        version: '1',
        tool: { description: { info: { name: 't', version: '1' }, backend: 'NATIVE' } },
      },
      invocation: [{ type: 'word', word: 'sleep' }],
      applicationType: 'WEB',
      web: { port: 8888 },
    },
  };

  it('routes each job to the plugin serving its product', async () => {
    const res = await gw.call(routes.create, {
      items: [
        fakeJob('1'),
        fakeJob(
          '2',
          {
            product: { id: 'native-1', category: 'native-compute', provider: 'example' },
            parameters: null,
          },
          { resolvedApplication: nativeApp },
        ),
      ],
    });
    expect(await res.json()).toEqual({
      responses: [{ id: 'docker-1' }, { id: 'native-2' }],
    });
    expect(docker.created.map((c) => c.jobId)).toEqual(['1']);
    expect(native.created.map((c) => c.jobId)).toEqual(['2']);
    expect(native.created[0]).toMatchObject({
      backend: Backend.BACKEND_NATIVE,
      applicationType: 'WEB',
      interactivePort: 8888,
      timeAllocationMs: String(3600_000),
    });
  });

  it('renders the command line, environment and resources into CreateJob', async () => {
    const job = fakeJob('7', {
      parameters: {
        var: { type: 'text', value: 'Hello, World!' },
        debug: { type: 'boolean', value: true },
      },
      openedFile: '/home/user/data.csv',
      replicas: 2,
    });
    const res = await gw.call(routes.create, { items: [job] });
    expect(res.status).toBe(200);
    const [created] = docker.created;
    expect(created).toMatchObject({
      jobId: '7',
      productId: 'example-compute-1',
      productCategory: 'example-compute',
      replicas: 2,
      backend: Backend.BACKEND_DOCKER,
      argv: ['batch', '--debug', '--count=2', 'Hello, World!'],
      environment: { UCLOUD_OPEN_WITH_FILE: '/home/user/data.csv', GREETING: 'Hello, World!' },
      image: 'dreg.cloud.sdu.dk/batch/batch:1.0.0',
      cpu: 4,
      memoryBytes: String(8 * 1024 ** 3),
      gpu: 0,
      applicationType: 'BATCH',
      interactivePort: 0,
    });
    expect(JSON.parse(created?.jobJson ?? '')).toEqual(JSON.parse(JSON.stringify(job)));
  });

  it('rejects an unknown product with 400 naming it', async () => {
    const res = await gw.call(routes.create, {
      items: [fakeJob('3', { product: { id: 'gpu-9', category: 'gpu', provider: 'example' } })],
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { why: string; errorCode: string };
    expect(body.errorCode).toBe('BAD_REQUEST');
    expect(body.why).toContain('items[0].specification.product.id');
    expect(body.why).toContain('"gpu-9"');
    expect(docker.created).toEqual([]);
  });

  it('rejects malformed input with 400 naming the field', async () => {
    const job = JSON.parse(JSON.stringify(fakeJob('4')));
    delete job.specification.product;
    const res = await gw.call(routes.create, { items: [job] });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { why: string }).why).toMatch(
      /^items\[0\]\.specification\.product/,
    );

    const badParam = await gw.call(routes.create, {
      items: [fakeJob('5', { parameters: { var: { type: 'integer', value: 3 } } })],
    });
    expect(badParam.status).toBe(400);
    expect(((await badParam.json()) as { why: string }).why).toBe(
      'items[0].specification.parameters.var: expected a value of type text or textarea, got integer',
    );

    const wrongBackend = await gw.call(routes.create, {
      items: [fakeJob('5', { parameters: null }, { resolvedApplication: nativeApp })],
    });
    expect(wrongBackend.status).toBe(400);
    expect(((await wrongBackend.json()) as { why: string }).why).toBe(
      'items[0].specification.product: product example-compute-1 does not support tools with the NATIVE backend',
    );

    const notJson = await fetch(`${gw.url}${routes.create}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: '{"items": [',
    });
    expect(notJson.status).toBe(400);
    expect(docker.created).toEqual([]);
  });

  it('rejects a missing or wrong token with 401', async () => {
    const wrong = await gw.call(routes.create, { items: [fakeJob('6')] }, { token: 'nope' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({
      why: 'A valid provider bearer token is required',
      errorCode: 'UNAUTHORIZED',
    });
    const missing = await fetch(`${gw.url}${routes.retrieveProducts}`);
    expect(missing.status).toBe(401);
    expect(docker.created).toEqual([]);
  });

  it("verify reports unknown jobs as the spec's example does, from the spec's own curl", async () => {
    docker.knownJobs.add('54111');
    const request = JSON.parse(SPEC_VERIFY_BODY) as { items: Array<{ id: string }> };
    const known = JSON.parse(SPEC_VERIFY_BODY) as { items: Array<{ id: string }> };
    known.items[0]!.id = '54111';
    // The spec's request body, sent with the spec's broken Content-Type header.
    const res = await fetch(`${gw.url}${routes.verify}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TOKEN}`,
        'content-type': 'content-type: application/json; charset=utf-8',
      },
      body: JSON.stringify({ items: [...request.items, ...known.items] }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    expect(orchestrator.state.updates).toHaveLength(1);
    const [update] = orchestrator.state.updates;
    expect(update?.cursor).toBeNull();
    expect(update?.items).toEqual([
      {
        id: '54112',
        update: {
          state: 'FAILURE',
          outputFolder: null,
          status: 'Your job is no longer available',
          expectedState: null,
          expectedDifferentState: null,
          newTimeAllocation: null,
          allowRestart: null,
          newMounts: null,
          timestamp: expect.any(Number),
        },
      },
    ]);
  });

  it('maps plugin gRPC failures to HTTP statuses', async () => {
    docker.failNext('TerminateJob', { code: status.NOT_FOUND, details: 'no job 8' });
    const notFound = await gw.call(routes.terminate, { items: [fakeJob('8')] });
    expect(notFound.status).toBe(404);
    expect(await notFound.json()).toEqual({ why: 'no job 8', errorCode: 'NOT_FOUND' });

    docker.failNext('SuspendJob', { code: status.UNIMPLEMENTED, details: 'docker cannot suspend' });
    const unsupported = await gw.call(routes.suspend, { items: [{ job: fakeJob('8') }] });
    expect(unsupported.status).toBe(400);
    expect(((await unsupported.json()) as { why: string }).why).toMatch(/not supported/);

    docker.failNext('ExtendJob', { code: status.FAILED_PRECONDITION, details: 'job has ended' });
    const ended = await gw.call(routes.extend, {
      items: [{ job: fakeJob('8'), requestedTime: { hours: 1, minutes: 0, seconds: 0 } }],
    });
    expect(ended.status).toBe(409);

    docker.failNext('CreateJob', { code: status.UNAVAILABLE, details: 'docker daemon down' });
    const down = await gw.call(routes.create, { items: [fakeJob('9')] });
    expect(down.status).toBe(503);
    expect(((await down.json()) as { errorCode: string }).errorCode).toBe('SERVICE_UNAVAILABLE');
  });

  it('terminates, extends and suspends through the plugin', async () => {
    const terminate = await gw.call(routes.terminate, { items: [fakeJob('10')] });
    expect(await terminate.json()).toEqual({ responses: [{}] });
    expect(docker.terminated).toContain('10');

    const extend = await gw.call(routes.extend, {
      items: [{ job: fakeJob('10'), requestedTime: { hours: 0, minutes: 30, seconds: 5 } }],
    });
    expect(extend.status).toBe(200);
    expect(docker.extended.at(-1)).toEqual({ jobId: '10', extendByMs: String(1_805_000) });

    const suspend = await gw.call(routes.suspend, { items: [{ job: fakeJob('10') }] });
    expect(await suspend.json()).toEqual({ responses: [{}] });
    expect(docker.suspended).toContain('10');
  });

  it('opens interactive sessions through the plugin of the job, in the spec shape', async () => {
    const ticket = 'T'.repeat(32);
    const res = await gw.call(routes.openInteractiveSession, {
      items: [{ job: fakeJob('12'), rank: 1, sessionType: 'SHELL', ticket }],
    });
    expect(res.status).toBe(200);
    // The plugin leaves the shell to the gateway: its identifier is the orchestrator's ticket.
    expect(await res.json()).toEqual({
      responses: [{ type: 'shell', jobId: '12', rank: 1, sessionIdentifier: ticket }],
    });
    const unticketed = await gw.call(routes.openInteractiveSession, {
      items: [{ job: fakeJob('12'), rank: 1, sessionType: 'SHELL' }],
    });
    expect(unticketed.status).toBe(400);
    expect(((await unticketed.json()) as { why: string }).why).toBe(
      'items[0].ticket: required for a session the gateway serves',
    );
    const bad = await gw.call(routes.openInteractiveSession, {
      items: [{ job: fakeJob('12'), rank: 0, sessionType: 'TELEPATHY' }],
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { why: string }).why).toContain('items[0].sessionType');
  });

  it('passes init to every plugin', async () => {
    const res = await gw.call(routes.init, { principal: { createdBy: 'alice', project: 'p1' } });
    expect(res.status).toBe(200);
    for (const plugin of [docker, native]) {
      expect(plugin.initialized.at(-1)).toEqual({ createdBy: 'alice', project: 'p1' });
    }
  });

  it('lists the products of all plugins with their support', async () => {
    const res = await gw.call(routes.retrieveProducts);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { responses: Array<Record<string, unknown>> };
    expect(body.responses).toEqual([
      expect.objectContaining({
        product: { id: 'example-compute-1', category: 'example-compute', provider: 'example' },
        docker: expect.objectContaining({ enabled: true, logs: true }),
        native: null,
      }),
      expect.objectContaining({
        product: { id: 'native-1', category: 'native-compute', provider: 'example' },
        native: expect.objectContaining({ enabled: true }),
      }),
    ]);
  });

  it('retrieves utilization of the system a job runs on', async () => {
    native.knownJobs.add('11');
    const res = await gw.call(routes.retrieveUtilization, { jobId: '11' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      capacity: { cpu: 64, memory: 256 * 1024 ** 3 },
      usedCapacity: { cpu: 1.5, memory: 2 * 1024 ** 3 },
      queueStatus: { running: 1, pending: 2 },
    });
    const unknown = await gw.call(routes.retrieveUtilization, { jobId: 'nope' });
    expect(unknown.status).toBe(404);

    const byCategory = await gw.call(routes.retrieveUtilization, { categoryId: 'native-compute' });
    expect(byCategory.status).toBe(200);
    const noCategory = await gw.call(routes.retrieveUtilization, { categoryId: 'gpu' });
    expect(noCategory.status).toBe(400);
  });

  describe('follow', () => {
    const chunk = (offset: number, text: string, stream = LogStream.LOG_STREAM_STDOUT) => ({
      rank: 0,
      stream,
      offset: String(offset),
      data: Buffer.from(text),
    });

    it('streams the plugin log as NDJSON lines with base64 data', async () => {
      docker.logs.set('20', [chunk(0, 'hello\n'), chunk(0, 'oops\n', LogStream.LOG_STREAM_STDERR)]);
      const res = await gw.call(routes.follow, { job: fakeJob('20'), follow: false });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
      const lines = (await res.text())
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as ProviderLogChunk);
      expect(lines).toEqual([
        { rank: 0, stream: 'stdout', offset: 0, data: Buffer.from('hello\n').toString('base64') },
        { rank: 0, stream: 'stderr', offset: 0, data: Buffer.from('oops\n').toString('base64') },
      ]);
    });

    it('answers a failure before any output with an HTTP error', async () => {
      const res = await gw.call(routes.follow, { job: fakeJob('21'), follow: false });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { why: string }).why).toBe('no such job');
    });

    it('cancels the plugin stream when the client disconnects', async () => {
      docker.logs.set('22', [chunk(0, 'first\n')]);
      const abort = new AbortController();
      const res = await gw.call(
        routes.follow,
        { job: fakeJob('22'), follow: true },
        { signal: abort.signal },
      );
      const reader = res.body!.getReader();
      const { value } = await reader.read();
      expect(new TextDecoder().decode(value)).toContain(Buffer.from('first\n').toString('base64'));
      const before = docker.cancelledLogStreams;
      abort.abort();
      await waitFor(() => docker.cancelledLogStreams > before, 'the plugin stream to be cancelled');
    });
  });
});

describe('shutdown', () => {
  it('ends open follow streams cleanly instead of waiting for their jobs', async () => {
    const plugin = await FakePlugin.start({ name: 'docker' });
    const orchestrator = await FakeOrchestrator.start(TOKEN, PROVIDER_ID);
    const gw = await startGateway([plugin], orchestrator.url);
    await waitFor(() => gw.gateway.pumps.get('docker')?.state === 'live', 'the plugin');
    plugin.logs.set('30', [
      { rank: 0, stream: LogStream.LOG_STREAM_STDOUT, offset: '0', data: Buffer.from('hi') },
    ]);
    const res = await gw.call(routes.follow, { job: fakeJob('30'), follow: true });
    const body = res.text();

    await gw.stop();
    const lines = (await body).trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ offset: 0, data: 'aGk=' });
    await plugin.stop();
    await orchestrator.stop();
  });
});
