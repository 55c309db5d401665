import { backoffDelay, errorMessage } from '@ucloud/contracts';
import type { Logger } from 'pino';
import { DEFAULT_TUNING, type OrchestratorTuning } from '../tuning.js';
import type { Catalog } from '../catalog/catalog.js';
import { toProviderJob } from '../jobs/job-view.js';
import type { JobRepository } from '../jobs/repository.js';
import type { JobTransitions } from '../jobs/transitions.js';
import { GatewayError, type GatewayClient } from '../providers/gateway-client.js';
import type { OutboxRow, OutboxStore } from './store.js';

const BATCH = 100;

/**
 * Delivers the outbox: calls to providers that transactions decided on. A call is retried with
 * backoff until the gateway acknowledges it, across orchestrator restarts; a call the gateway
 * refuses for good is dropped (and a refused start fails its job).
 */
export class OutboxWorker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private wakeAgain = false;
  private stopped = false;

  constructor(
    private readonly outbox: OutboxStore,
    private readonly jobs: Pick<JobRepository, 'get' | 'updatesOf' | 'setProviderGeneratedId'>,
    private readonly transitions: Pick<JobTransitions, 'atomically' | 'refuseCall'>,
    private readonly gateways: Map<string, GatewayClient>,
    private readonly catalog: Catalog,
    private readonly log: Logger,
    private readonly pollMs: number,
    private readonly tuning: Pick<
      OrchestratorTuning,
      'outboxBackoff' | 'giveUpStartAfter'
    > = DEFAULT_TUNING,
  ) {}

  start(): void {
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Runs a delivery round now (or right after the current one). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.wakeAgain = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.running = this.deliverAll()
      .catch((e: unknown) => this.log.error({ err: e }, 'outbox delivery failed'))
      .finally(() => {
        this.running = null;
        if (this.stopped) return;
        if (this.wakeAgain) {
          this.wakeAgain = false;
          this.wake();
          return;
        }
        const next = this.outbox.nextAttempt();
        const delay =
          next === null ? this.pollMs : Math.min(this.pollMs, Math.max(0, next - Date.now()));
        this.timer = setTimeout(() => this.wake(), delay);
      });
  }

  private async deliverAll(): Promise<void> {
    // Providers whose call failed this round are not called again until their rows are due.
    const unreachable = new Set<string>();
    for (;;) {
      const due = this.outbox.due(Date.now(), BATCH, [...unreachable]);
      if (due.length === 0 || this.stopped) return;
      // One call per provider and kind.
      const groups = new Map<string, { provider: string; rows: OutboxRow[] }>();
      for (const row of due) {
        const key = `${row.provider}/${row.kind}`;
        const group = groups.get(key) ?? { provider: row.provider, rows: [] };
        group.rows.push(row);
        groups.set(key, group);
      }
      await Promise.all(
        [...groups.values()].map(async ({ provider, rows }) => {
          if (!(await this.deliver(rows))) unreachable.add(provider);
        }),
      );
    }
  }

  /** False when the provider could not be reached (the rows wait for a retry). */
  private async deliver(rows: OutboxRow[]): Promise<boolean> {
    const [first] = rows;
    if (!first) return true;
    const gateway = this.gateways.get(first.provider);
    if (!gateway) {
      for (const row of rows) this.reject(row, `provider ${row.provider} is not configured`, false);
      return true;
    }
    const jobs = rows.map((row) => {
      // The row's foreign key keeps its job: a missing one is a broken database, not a retry.
      const job = this.jobs.get(row.jobId);
      if (!job) throw new Error(`outbox row ${row.id} names job ${row.jobId}, which is missing`);
      return toProviderJob(job, this.jobs.updatesOf(job.id), { catalog: this.catalog });
    });
    try {
      if (first.kind === 'create') {
        const ids = await gateway.create(jobs);
        this.complete(rows, ids);
      } else {
        await gateway.terminate(jobs);
        this.complete(rows, []);
      }
    } catch (e) {
      const attempts = Math.max(...rows.map((r) => r.attempts)) + 1;
      const brokenRequest =
        e instanceof GatewayError &&
        (!e.retryable ||
          // A start the gateway keeps failing on itself (500: it was reached, and the request
          // breaks it) is given up like a refused one; unreachable or unavailable providers
          // (502, 503, no answer) are retried for as long as they are down.
          (first.kind === 'create' &&
            e.status === 500 &&
            attempts >= this.tuning.giveUpStartAfter));
      if (brokenRequest) {
        // One bad job must not sink its batch: find the culprit by retrying one at a time.
        if (rows.length > 1) {
          for (const row of rows) await this.deliver([row]);
        } else {
          this.reject(first, e.message, e.status === 404);
        }
        return true;
      }
      const backoff = backoffDelay(attempts - 1, this.tuning.outboxBackoff);
      this.log.warn(
        {
          provider: first.provider,
          kind: first.kind,
          jobIds: rows.map((r) => r.jobId),
          attempts,
          err: errorMessage(e),
        },
        'provider call failed; will retry',
      );
      this.outbox.retry(
        first.provider,
        rows.map((r) => r.id),
        errorMessage(e),
        Date.now() + backoff,
      );
      return false;
    }
    return true;
  }

  /** The calls were delivered: they leave the outbox, and a start's provider id is kept. */
  private complete(rows: OutboxRow[], providerGeneratedIds: Array<string | null>): void {
    this.transitions.atomically(() => {
      this.outbox.remove(rows.map((r) => r.id));
      rows.forEach((row, i) => {
        const id = providerGeneratedIds[i];
        if (id != null) this.jobs.setProviderGeneratedId(row.jobId, id);
      });
    });
  }

  private reject(row: OutboxRow, why: string, unknownAtProvider: boolean): void {
    this.log.warn({ jobId: row.jobId, kind: row.kind, why }, 'provider refused a call');
    this.transitions.refuseCall(row, why, unknownAtProvider, Date.now());
  }
}
