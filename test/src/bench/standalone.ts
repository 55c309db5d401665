import { loadConfig, startOrchestrator, type Orchestrator } from '@ucloud/orchestrator';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createClient, type Client } from '../harness.js';

export const PROVIDER_TOKEN = 'bench-provider-token';

export interface Standalone {
  orchestrator: Orchestrator;
  /** The user `user`, with a large allocation in the demo category. */
  user: Client;
  /** The provider `example`, as its gateway would call JobsControl. */
  provider: Client;
  /** Every log record of the orchestrator at debug level and above. */
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/**
 * The orchestrator alone, in-process, with the demo catalog. Its provider is unreachable, so jobs
 * stay where the bench puts them (no processes start); the bench reports their updates itself.
 */
export async function startStandalone(env: Record<string, string> = {}): Promise<Standalone> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ucloud-bench-'));
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n'))
        if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const orchestrator = await startOrchestrator(
    loadConfig({
      PORT: '0',
      DATA_DIR: dataDir,
      USERS: 'user:bench-token-1,+admin:bench-admin-token',
      PROVIDERS: `example=http://127.0.0.1:9=${PROVIDER_TOKEN}`,
      OUTBOX_POLL_MS: '3600000',
      ...env,
    }),
    pino({ level: 'debug' }, sink),
  );
  const admin = createClient(orchestrator.url, 'bench-admin-token');
  await admin.accounting.rootAllocate.mutate({
    items: [
      {
        owner: { type: 'user', username: 'user' },
        category: { name: 'example-compute', provider: 'example' },
        quota: Number.MAX_SAFE_INTEGER,
        startDate: Date.now() - 1000,
        endDate: Date.now() + 24 * 3600_000,
      },
    ],
  });
  return {
    orchestrator,
    user: createClient(orchestrator.url, 'bench-token-1'),
    provider: createClient(orchestrator.url, PROVIDER_TOKEN),
    logs,
    async close() {
      await orchestrator.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
