/**
 * Reads an async iterator in batches: waits for one item, then takes whatever else arrives within
 * `lingerMs`, up to `maxItems`. Items are never dropped: a read still pending when a batch closes
 * is carried over to the next batch.
 */
export class BatchReader<T> {
  private pending: Promise<IteratorResult<T>> | null = null;

  constructor(
    private readonly source: AsyncIterator<T>,
    private readonly maxItems: number,
    private readonly lingerMs: number,
  ) {}

  /** The next batch, or null once the source has ended. Rejects when the source fails. */
  async next(): Promise<T[] | null> {
    const first = await this.take();
    if (first.done) return null;
    const batch = [first.value];
    const deadline = Date.now() + this.lingerMs;
    while (batch.length < this.maxItems) {
      const result = await this.takeBefore(deadline);
      // On a failure, deliver what was read; the failure surfaces on the next call.
      if (result === 'timeout' || result === 'failed') break;
      if (result.done) {
        // Hand the end to the next call, after this batch has been delivered.
        this.pending = Promise.resolve(result);
        break;
      }
      batch.push(result.value);
    }
    return batch;
  }

  private take(): Promise<IteratorResult<T>> {
    const read = this.read();
    this.pending = null;
    return read;
  }

  private async takeBefore(deadline: number): Promise<IteratorResult<T> | 'timeout' | 'failed'> {
    const read = this.read().catch(() => 'failed' as const);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()));
    });
    try {
      const result = await Promise.race([read, timeout]);
      if (result !== 'timeout' && result !== 'failed') this.pending = null;
      return result;
    } finally {
      clearTimeout(timer);
    }
  }

  private read(): Promise<IteratorResult<T>> {
    if (!this.pending) {
      this.pending = this.source.next();
      // A read left pending when the consumer gives up must not become an unhandled rejection.
      this.pending.catch(() => undefined);
    }
    return this.pending;
  }
}
