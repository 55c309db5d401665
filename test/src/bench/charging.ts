import type { ResourceUpdateAndId } from '@ucloud/contracts';
import { EXAMPLE_PRODUCT } from '../harness.js';
import { percentile } from './stats.js';
import { startStandalone } from './standalone.js';

const BULK = 1000;

/**
 * The cost of charging running jobs once per period: jobs are made RUNNING through JobsControl
 * (as a gateway would report them), each owes its first period at once, and the charger's rounds
 * (500 jobs per transaction) are timed from its own log records.
 */
export async function benchCharging(total = 10_000): Promise<void> {
  // A long "minute", so that only the first period falls due while the bench runs.
  const standalone = await startStandalone({
    ACCOUNTING_MINUTE_MS: '3600000',
    ACCOUNTING_TICK_MS: '200',
  });
  try {
    const ids: string[] = [];
    for (let n = 0; n < total; n += BULK) {
      const { responses } = await standalone.user.jobs.create.mutate({
        items: Array.from({ length: BULK }, (_, i) => ({
          application: { name: 'acme-batch', version: '1.0.0' },
          product: EXAMPLE_PRODUCT,
          allowDuplicateJob: true,
          parameters: { value: { type: 'text' as const, value: String(n + i) } },
        })),
      });
      ids.push(...responses.map((r) => r.id));
    }
    const running = (id: string): ResourceUpdateAndId => ({
      id,
      update: { state: 'RUNNING', status: 'running', timestamp: Date.now() } as never,
    });
    const started = performance.now();
    for (let n = 0; n < total; n += BULK) {
      await standalone.provider.control.update.mutate({
        items: ids.slice(n, n + BULK).map(running),
      });
    }
    const wallet = async () => (await standalone.user.accounting.browseWallets.query({})).items[0]!;
    const products = await standalone.user.catalog.browseProducts.query({});
    const price = products.items.find((p) => p.name === EXAMPLE_PRODUCT.id)!.pricePerUnit;
    while ((await wallet()).localUsage < total * price) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const elapsed = performance.now() - started;
    const rounds = standalone.logs
      .filter((l) => l.msg === 'charged a round')
      .map((l) => ({ jobs: l.jobs as number, ms: l.ms as number }));
    const charged = rounds.reduce((sum, r) => sum + r.jobs, 0);
    const busy = rounds.reduce((sum, r) => sum + r.ms, 0);
    const perRound = rounds.map((r) => r.ms).sort((a, b) => a - b);
    console.log(
      `charging ${charged} running jobs one period each: ${busy.toFixed(0)} ms of charger time in ${rounds.length} rounds (${((charged / busy) * 1000).toFixed(0)} jobs/s; round p50 ${percentile(perRound, 50).toFixed(1)} ms, p99 ${percentile(perRound, 99).toFixed(1)} ms); ${(elapsed / 1000).toFixed(1)} s from the first RUNNING report to the last charge`,
    );
  } finally {
    await standalone.close();
  }
}
