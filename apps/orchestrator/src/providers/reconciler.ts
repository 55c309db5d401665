import { errorMessage } from '@ucloud/contracts';
import type { Logger } from 'pino';
import type { Catalog } from '../catalog/catalog.js';
import { toProviderJob } from '../jobs/job-view.js';
import type { JobRepository } from '../jobs/repository.js';
import type { JobTransitions } from '../jobs/transitions.js';
import type { GatewayClient } from './gateway-client.js';

const BATCH = 100;

/**
 * Keeps the orchestrator and its providers in step:
 * - verify: each provider periodically gets its active jobs and reports the ones it does not know
 *   (spec example "Ensuring UCloud/Core and Provider are in-sync");
 * - expiry backstop: a job still active well after its deadline (its provider did not stop it)
 *   is ended EXPIRED here and its provider asked to stop it.
 */
export class Reconciler {
  private timers: NodeJS.Timeout[] = [];
  private verifying = false;

  constructor(
    private readonly jobs: Pick<JobRepository, 'activeOfProvider' | 'updatesOf' | 'overdue'>,
    private readonly transitions: Pick<JobTransitions, 'expire'>,
    private readonly gateways: Map<string, GatewayClient>,
    private readonly catalog: Catalog,
    private readonly log: Logger,
    private readonly options: { verifyIntervalMs: number; expiryGraceMs: number },
  ) {}

  start(): void {
    this.timers.push(setInterval(() => void this.verifyAll(), this.options.verifyIntervalMs));
    this.timers.push(
      setInterval(() => this.expireOverdue(), Math.min(1000, this.options.expiryGraceMs)),
    );
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  async verifyAll(): Promise<void> {
    if (this.verifying) return;
    this.verifying = true;
    try {
      for (const [provider, gateway] of this.gateways) {
        let after = 0;
        for (;;) {
          const rows = this.jobs.activeOfProvider(provider, after, BATCH, true);
          const last = rows.at(-1);
          if (!last) break;
          after = last.id;
          await gateway.verify(
            rows.map((row) =>
              toProviderJob(row, this.jobs.updatesOf(row.id), { catalog: this.catalog }),
            ),
          );
        }
      }
    } catch (e) {
      this.log.warn({ err: errorMessage(e) }, 'verification of active jobs failed; will try again');
    } finally {
      this.verifying = false;
    }
  }

  expireOverdue(): void {
    const now = Date.now();
    const overdue = this.jobs.overdue(now - this.options.expiryGraceMs, BATCH);
    for (const row of overdue) {
      this.log.warn(
        { jobId: row.id, expiresAt: row.expiresAt },
        'job outlived its deadline; expiring it',
      );
      this.transitions.expire(row.id, now);
    }
  }
}
