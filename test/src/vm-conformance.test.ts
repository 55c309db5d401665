import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { proto, type PluginServer } from '@ucloud/provider-sdk';
import { conformanceKit, printingCommand } from '@ucloud/provider-sdk/conformance';
import { loadConfig, startVmPlugin } from '@ucloud/provider-vm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { killQemusUnder, TEST_IMAGE, VM_PLUGIN_ENV, VM_PRODUCT, vmHost } from './vm-harness.js';

const host = vmHost();
const dataDir = mkdtempSync(join(tmpdir(), 'vm-conformance-'));
let server: PluginServer | null = null;

const kit = conformanceKit({
  async start() {
    const config = loadConfig({ ...VM_PLUGIN_ENV, GRPC_ADDRESS: '127.0.0.1:0', DATA_DIR: dataDir });
    server = await startVmPlugin(config, pino({ level: 'silent' }));
    return `127.0.0.1:${server.port}`;
  },
  async stop() {
    await server?.close();
    server = null;
  },
  job: (jobId, run) => ({
    jobId,
    productId: VM_PRODUCT.id,
    productCategory: VM_PRODUCT.category,
    replicas: 1,
    backend: proto.Backend.BACKEND_VIRTUAL_MACHINE,
    argv: printingCommand(run),
    image: TEST_IMAGE,
    cpu: 1,
    memoryBytes: String(256 * 1024 ** 2),
    timeAllocationMs: String(3_600_000),
  }),
});

describe.skipIf(!host.ok)('the VM plugin passes the provider-sdk conformance checks', () => {
  beforeAll(() => kit.setUp());
  afterAll(async () => {
    await kit.tearDown();
    killQemusUnder(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  });
  for (const check of kit.checks) it(check.name, check.run, kit.checkTimeoutMs);
});
