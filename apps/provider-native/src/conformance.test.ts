import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { proto, servePlugin, type PluginServer } from '@ucloud/provider-sdk';
import { conformanceKit, printingCommand } from '@ucloud/provider-sdk/conformance';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { NativeBackend } from './native-backend.js';

const dataDir = mkdtempSync(join(tmpdir(), 'native-conformance-'));
let server: PluginServer | null = null;

const kit = conformanceKit({
  async start() {
    const backend = new NativeBackend({
      dataDir,
      providerId: 'example',
      products: [{ id: 'example-compute', category: 'example-compute', features: {} }],
      terminateGraceMs: 1000,
      pollIntervalMs: 50,
    });
    server = await servePlugin(backend, {
      address: '127.0.0.1:0',
      dataDir,
      logger: pino({ level: 'silent' }),
    });
    return `127.0.0.1:${server.port}`;
  },
  async stop() {
    await server?.close();
    server = null;
  },
  job: (jobId, run) => ({
    jobId,
    productId: 'example-compute',
    productCategory: 'example-compute',
    replicas: 1,
    backend: proto.Backend.BACKEND_NATIVE,
    argv: printingCommand(run),
  }),
});

describe('the native plugin passes the provider-sdk conformance checks', () => {
  beforeAll(kit.setUp);
  afterAll(async () => {
    await kit.tearDown();
    rmSync(dataDir, { recursive: true, force: true });
  });
  for (const check of kit.checks) it(check.name, check.run, kit.checkTimeoutMs);
});
