import { describe, expect, it } from 'vitest';
import { CHAOS_PERIOD_MS, chaosStack, runChaos } from './chaos.js';
import { useStack } from './harness.js';

/** CI size; `npm run bench -- chaos` runs a larger campaign. TEST_CHAOS_SEED repeats a run. */
const JOBS = Number(process.env.TEST_CHAOS_JOBS ?? 100);
const SEED = Number(process.env.TEST_CHAOS_SEED ?? Date.now() % 1_000_000);

const stack = useStack(chaosStack('info'));

describe('chaos: every process SIGKILLed in turn while jobs run with followers', () => {
  it(
    `keeps ${JOBS} jobs' updates, output, end times and charges right (seed ${SEED})`,
    { timeout: 600_000 },
    async () => {
      const report = await runChaos(stack, {
        jobs: JOBS,
        periodMs: CHAOS_PERIOD_MS,
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
