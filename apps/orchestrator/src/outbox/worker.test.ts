import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Catalog, DEMO_CATALOG_FILE } from '../catalog/catalog.js';
import { GatewayClient } from '../providers/gateway-client.js';
import { newJob, openCore, type Core } from '../testing/core.js';
import { OutboxWorker } from './worker.js';

/** A fake gateway (a real HTTP server) answering every call with `answer`. */
let answer: { status: number; body: unknown };
let calls: number;
let gateway: Server;
let core: Core;
let worker: OutboxWorker;
let gateways: Map<string, GatewayClient>;

beforeEach(async () => {
  calls = 0;
  gateway = createServer((_req, res) => {
    calls++;
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
  const { port } = gateway.address() as AddressInfo;
  core = openCore();
  const client = new GatewayClient({
    id: 'example',
    url: `http://127.0.0.1:${port}`,
    token: () => 't',
  });
  gateways = new Map([['example', client]]);
  worker = workerWith(20, { initialMs: 1, maxMs: 5 });
});

/** A worker over the core and the fake gateway, polling every `pollMs`, with this backoff. */
const workerWith = (pollMs: number, outboxBackoff: { initialMs: number; maxMs: number }) =>
  new OutboxWorker(
    core.outbox,
    core.jobs,
    core.transitions,
    gateways,
    Catalog.fromFile(DEMO_CATALOG_FILE),
    pino({ level: 'silent' }),
    pollMs,
    { outboxBackoff, giveUpStartAfter: 4 },
  );

afterEach(async () => {
  await worker.stop();
  await new Promise((r) => gateway.close(r));
});

const create = () =>
  core.transitions.create([newJob({ owner: { username: 'u', project: null } })], Date.now())[0]!;

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; !condition(); i++) {
    if (i > 500) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('OutboxWorker', () => {
  it('fails a job whose start the provider refuses as invalid, with the reason, without retrying', async () => {
    answer = { status: 400, body: { why: 'items[0]: memory too large', errorCode: 'BAD_REQUEST' } };
    const id = create();
    worker.start();
    await until(() => core.jobs.get(id)!.state === 'FAILURE');
    expect(JSON.parse(core.jobs.updatesOf(id).at(-1)!.update).status).toBe(
      'The provider refused to start the job: provider example answered 400: items[0]: memory too large',
    );
    expect(calls).toBe(1);
    expect(core.outbox.nextAttempt()).toBeNull();
  });

  it('gives up a start the gateway keeps failing on after a few attempts, failing the job', async () => {
    answer = { status: 500, body: { why: 'Internal error', errorCode: 'INTERNAL_SERVER_ERROR' } };
    const id = create();
    worker.start();
    await until(() => core.jobs.get(id)!.state === 'FAILURE');
    expect(calls).toBe(4);
  });

  it('keeps retrying a provider that is unavailable, and delivers once it answers', async () => {
    answer = {
      status: 503,
      body: { why: 'Plugin native is unavailable', errorCode: 'SERVICE_UNAVAILABLE' },
    };
    const id = create();
    worker.start();
    await until(() => calls >= 6);
    expect(core.jobs.get(id)!.state).toBe('IN_QUEUE');
    answer = { status: 200, body: { responses: [{ id: 'p-1' }] } };
    await until(() => core.jobs.get(id)!.providerGeneratedId === 'p-1');
    expect(core.outbox.nextAttempt()).toBeNull();
  });

  it('leaves a provider that is down alone while jobs keep coming, then delivers them together', async () => {
    answer = {
      status: 503,
      body: { why: 'Plugin native is down', errorCode: 'SERVICE_UNAVAILABLE' },
    };
    const patient = workerWith(60_000, { initialMs: 400, maxMs: 400 });
    try {
      const first = create();
      patient.start();
      await until(() => calls === 1);
      // Each create wakes the worker, as app.ts wires it: none may call the resting provider.
      const later = Array.from({ length: 20 }, () => {
        const id = create();
        patient.wake();
        return id;
      });
      await new Promise((r) => setTimeout(r, 100));
      expect(calls).toBe(1);
      answer = {
        status: 200,
        body: { responses: Array.from({ length: 21 }, (_, i) => ({ id: `p-${i}` })) },
      };
      await until(() => core.outbox.nextAttempt() === null);
      expect(calls).toBe(2);
      for (const id of [first, ...later]) expect(core.outbox.pending(id, 'create')).toBeUndefined();
    } finally {
      await patient.stop();
    }
  });
});
