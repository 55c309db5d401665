import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { proto, type PluginServer } from '@ucloud/provider-sdk';
import { conformanceKit, printingCommand } from '@ucloud/provider-sdk/conformance';
import { loadConfig, startSlurmPlugin } from '@ucloud/provider-slurm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  cancelJobsUnder,
  SLURM_PLUGIN_PRODUCTS,
  SLURM_PRODUCT,
  slurmCluster,
} from './slurm-harness.js';

const cluster = await slurmCluster();
const dataDir = mkdtempSync(join(tmpdir(), 'slurm-conformance-'));
let server: PluginServer | null = null;

const kit = conformanceKit({
  async start() {
    if (!cluster.ok) throw new Error(cluster.reason);
    const config = loadConfig({
      GRPC_ADDRESS: '127.0.0.1:0',
      DATA_DIR: dataDir,
      POLL_INTERVAL_MS: '250',
      PRODUCTS: JSON.stringify(SLURM_PLUGIN_PRODUCTS),
    });
    server = await startSlurmPlugin(config, pino({ level: 'silent' }));
    return `127.0.0.1:${server.port}`;
  },
  async stop() {
    await server?.close();
    server = null;
  },
  job: (jobId, run) => ({
    jobId,
    productId: SLURM_PRODUCT.id,
    productCategory: SLURM_PRODUCT.category,
    replicas: 1,
    backend: proto.Backend.BACKEND_NATIVE,
    argv: printingCommand(run),
    cpu: 1,
    memoryBytes: String(1024 ** 3),
    // A limit to extend: a job without one runs under the partition's, which may be unlimited.
    timeAllocationMs: String(3_600_000),
  }),
});

describe.skipIf(!cluster.ok)('the Slurm plugin passes the provider-sdk conformance checks', () => {
  beforeAll(async () => {
    if (cluster.ok) process.env.SLURM_CONF = cluster.conf;
    await kit.setUp();
  });
  afterAll(async () => {
    await kit.tearDown();
    // Jobs of a failed check may still be in Slurm; their directories are about to go.
    if (cluster.ok) await cancelJobsUnder(cluster.conf, dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  });
  for (const check of kit.checks) it(check.name, check.run, kit.checkTimeoutMs);
});
