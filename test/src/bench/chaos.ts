import { CHAOS_PERIOD_MS, chaosStack, runChaos } from '../chaos.js';
import { startTestStack } from '../harness.js';

/**
 * The chaos campaign of `chaos.test.ts` at a larger size: 300 jobs with followers, twelve
 * SIGKILLs. Prints what it found rather than failing.
 */
export async function benchChaos(jobs = 300): Promise<void> {
  await using stack = await startTestStack(chaosStack('warn'));
  const seed = Date.now() % 1_000_000;
  const report = await runChaos(stack, {
    jobs,
    periodMs: CHAOS_PERIOD_MS,
    maxLines: 40,
    kills: 12,
    seed,
  });
  const kills = report.kills.map((k) => `${k.component} ${k.downMs} ms`).join(', ');
  console.log(
    `chaos (seed ${seed}): ${report.jobs} jobs with followers, ${report.kills.length} SIGKILLs (${kills}), ` +
      `${(report.elapsedMs / 1000).toFixed(1)} s; ${report.interruptedStarts} starts interrupted by a kill; ` +
      `${report.problems.length} problems`,
  );
  for (const problem of report.problems) console.log(`  ${problem}`);
}
