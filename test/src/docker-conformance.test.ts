import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { proto, type PluginServer } from '@ucloud/provider-sdk';
import { conformanceKit, printingCommand } from '@ucloud/provider-sdk/conformance';
import { loadConfig, startDockerPlugin } from '@ucloud/provider-docker';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  DOCKER_PLUGIN_PRODUCTS,
  DOCKER_PRODUCT,
  dockerEngine,
  removeContainersUnder,
  TEST_IMAGE,
} from './docker-harness.js';

const engine = await dockerEngine();
const dataDir = mkdtempSync(join(tmpdir(), 'docker-conformance-'));
let server: PluginServer | null = null;

const kit = conformanceKit({
  async start() {
    if (!engine.ok) throw new Error(engine.reason);
    const config = loadConfig({
      GRPC_ADDRESS: '127.0.0.1:0',
      DATA_DIR: dataDir,
      DOCKER_HOST: engine.host,
      POLL_INTERVAL_MS: '250',
      TERMINATE_GRACE_MS: '1000',
      PRODUCTS: JSON.stringify(DOCKER_PLUGIN_PRODUCTS),
    });
    server = await startDockerPlugin(config, pino({ level: 'silent' }));
    return `127.0.0.1:${server.port}`;
  },
  async stop() {
    await server?.close();
    server = null;
  },
  job: (jobId, run) => ({
    jobId,
    productId: DOCKER_PRODUCT.id,
    productCategory: DOCKER_PRODUCT.category,
    replicas: 1,
    backend: proto.Backend.BACKEND_DOCKER,
    argv: printingCommand(run),
    image: TEST_IMAGE,
    cpu: 1,
    memoryBytes: String(256 * 1024 ** 2),
    timeAllocationMs: String(3_600_000),
  }),
});

describe.skipIf(!engine.ok)('the Docker plugin passes the provider-sdk conformance checks', () => {
  beforeAll(() => kit.setUp());
  afterAll(async () => {
    await kit.tearDown();
    if (engine.ok) await removeContainersUnder(engine.host, dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  });
  for (const check of kit.checks) it(check.name, check.run, kit.checkTimeoutMs);
});
