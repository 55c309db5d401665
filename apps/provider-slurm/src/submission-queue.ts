/**
 * Runs at most `limit` submissions at once, the rest in order as they finish: a burst of creates
 * (the gateway hands a bulk over concurrently) reaches slurmctld as a few concurrent sbatch calls,
 * which it answers faster than a hundred at once.
 */
export class SubmissionQueue {
  private readonly waiting: Array<() => void> = [];
  private running = 0;

  constructor(private readonly limit: number) {}

  /** Submissions asked for and not yet done. */
  get pending(): number {
    return this.waiting.length + this.running;
  }

  async run<T>(submission: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((go) => this.waiting.push(go));
    else this.running++;
    try {
      return await submission();
    } finally {
      // The slot passes straight to the next waiting submission, if any.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
