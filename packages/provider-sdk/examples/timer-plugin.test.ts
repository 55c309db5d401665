import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { conformanceKit } from '../src/conformance.js';
import { servePlugin, type PluginServer } from '../src/index.js';
import { TimerBackend } from './timer-plugin.js';

const dataDir = mkdtempSync(join(tmpdir(), 'timer-plugin-'));
let server: PluginServer | null = null;

const kit = conformanceKit({
  async start() {
    const backend = new TimerBackend({ dataDir, providerId: 'example' });
    server = await servePlugin(backend, {
      address: '127.0.0.1:0',
      dataDir,
      logger: pino({ level: 'silent' }),
    });
    return `127.0.0.1:${String(server.port)}`;
  },
  async stop() {
    await server?.close();
    server = null;
  },
  job: (jobId, run) => ({
    jobId,
    productId: 'timer',
    productCategory: 'timer',
    replicas: 1,
    argv: [String(Math.max(run.secondsPerLine, 0.01)), ...run.lines],
  }),
});

describe('the example timer plugin passes the conformance checks', () => {
  beforeAll(kit.setUp);
  afterAll(async () => {
    await kit.tearDown();
    rmSync(dataDir, { recursive: true, force: true });
  });
  for (const check of kit.checks) it(check.name, check.run, kit.checkTimeoutMs);
});
