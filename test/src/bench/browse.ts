import type { JobSpecificationInput } from '@ucloud/contracts';
import { EXAMPLE_PRODUCT } from '../harness.js';
import { startStandalone } from './standalone.js';
import { percentile } from './stats.js';

/**
 * Browse latency over 100,000 stored jobs. The orchestrator runs alone, so the jobs stay queued
 * instead of starting 100,000 processes.
 */
export async function benchBrowse(total = 100_000): Promise<void> {
  const standalone = await startStandalone();
  try {
    const client = standalone.user;
    const apps = ['acme-batch', 'a-batch-application'];
    for (let n = 0; n < total; n += 1000) {
      await client.jobs.create.mutate({
        items: Array.from({ length: 1000 }, (_, i): JobSpecificationInput =>
          (n + i) % 2 === 0
            ? {
                application: { name: apps[0]!, version: '1.0.0' },
                product: EXAMPLE_PRODUCT,
                allowDuplicateJob: true,
                parameters: { value: { type: 'text' as const, value: String(n + i) } },
              }
            : {
                application: { name: apps[1]!, version: '1.0.0' },
                product: EXAMPLE_PRODUCT,
                allowDuplicateJob: true,
                parameters: { var: { type: 'text' as const, value: String(n + i) } },
              },
        ),
      });
    }
    const cases: Array<[string, Parameters<typeof client.jobs.browse.query>[0]]> = [
      ['first page, no filter', { itemsPerPage: 50 }],
      ['filterApplication', { itemsPerPage: 50, filterApplication: 'a-batch-application' }],
      ['filterState', { itemsPerPage: 50, filterState: 'IN_QUEUE' }],
      ['filterState=RUNNING, no match', { itemsPerPage: 50, filterState: 'RUNNING' }],
      ['page 100 via next cursor', { itemsPerPage: 50, next: String(total - 5000) }],
      [
        'includeUpdates + includeParameters',
        { itemsPerPage: 50, includeUpdates: true, includeParameters: true },
      ],
    ];
    for (const [name, query] of cases) {
      const samples: number[] = [];
      for (let i = 0; i < 200; i++) {
        const t = performance.now();
        await client.jobs.browse.query(query);
        samples.push(performance.now() - t);
      }
      samples.sort((a, b) => a - b);
      console.log(
        `browse over ${total} jobs, ${name}: p50 ${percentile(samples, 50).toFixed(1)} ms, p99 ${percentile(samples, 99).toFixed(1)} ms`,
      );
    }
  } finally {
    await standalone.close();
  }
}
