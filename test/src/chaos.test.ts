import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chaosCatalog, runChaos } from './chaos.js';
import { startTestStack, type TestStack } from './harness.js';

/** CI size; `npm run bench -- chaos` runs a larger campaign. TEST_CHAOS_SEED repeats a run. */
const JOBS = Number(process.env.TEST_CHAOS_JOBS ?? 100);
const SEED = Number(process.env.TEST_CHAOS_SEED ?? Date.now() % 1_000_000);
const PERIOD_MS = 1000;

let stack: TestStack;
let catalogDir: string;

beforeAll(async () => {
  catalogDir = mkdtempSync(join(tmpdir(), 'chaos-catalog-'));
  stack = await startTestStack({
    logLevel: 'info',
    env: {
      orchestrator: {
        CATALOG_FILE: chaosCatalog(catalogDir),
        ACCOUNTING_MINUTE_MS: String(PERIOD_MS),
        ACCOUNTING_TICK_MS: '200',
      },
    },
  });
});

afterAll(async () => {
  await stack?.dispose();
  rmSync(catalogDir, { recursive: true, force: true });
});

describe('chaos: every process SIGKILLed in turn while jobs run with followers', () => {
  it(
    `keeps ${JOBS} jobs' updates, output, end times and charges right (seed ${SEED})`,
    { timeout: 600_000 },
    async () => {
      const report = await runChaos(stack, {
        jobs: JOBS,
        periodMs: PERIOD_MS,
        maxLines: 24,
        kills: 6,
        seed: SEED,
      });
      expect(report.problems).toEqual([]);
      expect(report.jobs).toBe(JOBS);
      expect(new Set(report.kills.map((k) => k.component))).toEqual(
        new Set(['native', 'gateway', 'orchestrator']),
      );
    },
  );
});
