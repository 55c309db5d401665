import { and, eq, gte, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Catalog } from '../catalog/catalog.js';
import type { Db } from '../db/client.js';
import { charges } from '../db/schema.js';
import type { ChargeableJob, JobRepository } from '../jobs/repository.js';
import type { JobTransitions } from '../jobs/transitions.js';
import { meterOf, nextChargeAt, periodPrice, periodsBegun } from './metering.js';
import { z } from 'zod';
import { payerOf } from './service.js';
import { ownerKeyOf, walletKey, WalletStore, type Debit, type SpendingBatch } from './wallets.js';

/**
 * Jobs charged per round. A round blocks the event loop (about 10–15 ms for 1,000 jobs), but
 * most of its cost is the index pages its commit rewrites, many shared by the round's jobs: half
 * as many rounds of twice the jobs write about a quarter fewer pages.
 */
const BATCH = 1000;
export const NO_MORE_CREDITS = 'No more credits';

/** What charging reports to the operator's metrics (metrics/ implements it). */
export interface ChargeMetrics {
  /** One round (a batch of due jobs, one transaction) took `seconds`. */
  round(seconds: number): void;
}

export interface ChargeRound {
  jobs: number;
  periods: number;
  terminated: number[];
  /** How long the round took. */
  seconds: number;
}

/**
 * Charges running jobs for each accounting period they begin (see metering.ts). A job owes
 * when its `next_charge_at` has passed; each period is one row keyed by (job, period), written
 * in the same transaction as the wallet's spending, so a repeated round, a restart or a replayed
 * update never charges a period twice, and a crash never loses one (the debt stays due). A job
 * whose wallet cannot pay is terminated by the system.
 */
export class Charger {
  private readonly wallets: WalletStore;
  /** Run once per period charged: cheaper than building, parsing and joining JSON of them all. */
  private readonly insertCharge;
  private readonly chargesFrom;
  private readonly deleteChargesFrom;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    db: Db,
    /** The few job reads and writes charging needs. */
    private readonly jobs: Pick<JobRepository, 'dueForCharge' | 'setCharged'>,
    private readonly transitions: Pick<JobTransitions, 'atomically' | 'terminateBySystem'>,
    private readonly catalog: Catalog,
    private readonly log: Logger,
    private readonly tickMs: number,
    private readonly metrics?: ChargeMetrics,
  ) {
    this.wallets = new WalletStore(db);
    const p = (name: string) => sql.placeholder(name);
    this.insertCharge = db.$client.prepare<[number, number, number, number, number, string]>(
      `INSERT INTO charges (job_id, period, wallet_id, amount, charged_at, debits)
      VALUES (?, ?, ?, ?, ?, ?)`,
    );
    const fromPeriod = and(eq(charges.jobId, p('jobId')), gte(charges.period, p('period')));
    this.chargesFrom = db.select().from(charges).where(fromPeriod).prepare();
    this.deleteChargesFrom = db.delete(charges).where(fromPeriod).prepare();
  }

  start(): void {
    this.timer = setInterval(() => {
      if (!this.running) this.running = this.tick().finally(() => (this.running = null));
    }, this.tickMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private async tick(): Promise<void> {
    try {
      for (;;) {
        const round = this.chargeDue(Date.now());
        if (round.jobs > 0) {
          const { jobs, periods, seconds } = round;
          this.log.debug({ jobs, periods, ms: seconds * 1000 }, 'charged a round');
        }
        if (round.jobs < BATCH) return;
        // Yield between batches so requests are served while a large backlog is charged.
        await new Promise((r) => setImmediate(r));
      }
    } catch (err) {
      this.log.error({ err }, 'charging failed; will retry');
    }
  }

  /** Charges one batch of jobs that owe at `now`, in one transaction. */
  chargeDue(now: number): ChargeRound {
    const started = performance.now();
    const round = this.transitions.atomically(() => {
      const due = this.jobs.dueForCharge(now, BATCH);
      const round: ChargeRound = { jobs: due.length, periods: 0, terminated: [], seconds: 0 };
      // The round's jobs share few wallets: each is read and its allocations written once.
      const walletIds = this.wallets.idsOf(
        due.map((job) => walletKey(ownerKeyOf(payerOf(job)), job.productCategory, job.provider)),
      );
      const spending = this.wallets.batch();
      spending.load(walletIds.filter((id) => id !== undefined));
      due.forEach((job, i) => {
        const charged = this.chargeJob(job, now, spending, walletIds[i]);
        round.periods += charged.periods;
        // Its charges and meter are written: terminating reads and writes the job after them.
        if (
          charged.outOfCredits &&
          this.transitions.terminateBySystem(job.id, NO_MORE_CREDITS, now) !== 'already-ended'
        )
          round.terminated.push(job.id);
      });
      spending.flush();
      return round;
    });
    round.seconds = (performance.now() - started) / 1000;
    this.metrics?.round(round.seconds);
    return round;
  }

  /**
   * Brings the job's charges to what it owes at `now`: charges the periods it has begun since,
   * or refunds those it was charged for but never began (its end was reported late).
   */
  private chargeJob(
    job: ChargeableJob,
    now: number,
    spending: SpendingBatch,
    walletId: number | undefined,
  ): { periods: number; outOfCredits: boolean } {
    const owed = periodsBegun(meterOf(job), now);
    if (owed < job.chargedPeriods) {
      for (const charge of this.chargesFrom.all({ jobId: job.id, period: owed }))
        spending.refund(parseDebits(charge.debits));
      this.deleteChargesFrom.run({ jobId: job.id, period: owed });
      this.settle(job, owed, now);
      this.log.info(
        { jobId: job.id, refunded: job.chargedPeriods - owed },
        'refunded periods the job never began',
      );
      return { periods: 0, outOfCredits: false };
    }
    const product = this.catalog.findProduct({
      provider: job.provider,
      category: job.productCategory,
      id: job.productId,
    });
    const amount = product ? periodPrice(product, job.replicas) : 0;
    let period = job.chargedPeriods;
    for (; period < owed; period++) {
      const debits = walletId === undefined ? null : spending.spend(walletId, amount, now);
      if (walletId === undefined || !debits) {
        // It is being terminated: nothing more is charged until its end settles the meter.
        this.jobs.setCharged([[job.id, period, null]]);
        this.log.info({ jobId: job.id, period }, 'job ran out of credits');
        return { periods: period - job.chargedPeriods, outOfCredits: true };
      }
      // The key (job, period) makes this insert fail rather than charge a period twice.
      this.insertCharge.run(job.id, period, walletId, amount, now, JSON.stringify(debits));
    }
    this.settle(job, period, now);
    return { periods: period - job.chargedPeriods, outOfCredits: false };
  }

  /** Records the periods charged and when the job next owes. */
  private settle(job: ChargeableJob, chargedPeriods: number, now: number) {
    const next = nextChargeAt(meterOf({ ...job, chargedPeriods }), now);
    this.jobs.setCharged([[job.id, chargedPeriods, next]]);
  }
}

const Debits = z.array(z.tuple([z.number().int(), z.number().int()]));
const parseDebits = (json: string): Debit[] => Debits.parse(JSON.parse(json));
