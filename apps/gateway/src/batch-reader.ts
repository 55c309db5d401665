/**
 * Reads an async iterator in batches, and keeps reading while a batch is being delivered (up to
 * a bound), so a slow consumer does not stall the source. A batch takes what is waiting, up to
 * `maxItems`; when nothing was waiting, it waits for one item, then up to `lingerMs` for more.
 * Items are never dropped, and an end or a failure surfaces only after what came before it.
 */
export class BatchReader<T> {
  private readonly buffered: T[] = [];
  private ended = false;
  private failure: { error: unknown } | null = null;
  private reading = false;
  /** Wakes `next` when the buffer changes. */
  private changed: (() => void) | null = null;
  /** Wakes the reading loop once the buffer has room again. */
  private room: (() => void) | null = null;

  constructor(
    private readonly source: AsyncIterator<T>,
    private readonly maxItems: number,
    private readonly lingerMs: number,
    /** Most items read ahead of the consumer. */
    private readonly maxBuffered = maxItems * 4,
  ) {}

  /** The next batch, or null once the source has ended. Rejects when the source fails. */
  async next(): Promise<T[] | null> {
    if (!this.reading) {
      this.reading = true;
      void this.readAhead();
    }
    const waited = this.buffered.length === 0;
    await this.until(() => this.buffered.length > 0 || this.stopped(), Infinity);
    if (this.buffered.length === 0) {
      if (this.failure) throw this.failure.error;
      return null;
    }
    // Only a batch that had to wait lingers: one that was already waiting goes at once.
    if (waited)
      await this.until(
        () => this.buffered.length >= this.maxItems || this.stopped(),
        this.lingerMs,
      );
    const batch = this.buffered.splice(0, this.maxItems);
    this.room?.();
    return batch;
  }

  private stopped(): boolean {
    return this.ended || this.failure !== null;
  }

  private async readAhead(): Promise<void> {
    try {
      for (;;) {
        if (this.buffered.length >= this.maxBuffered)
          await new Promise<void>((resolve) => (this.room = resolve));
        this.room = null;
        const result = await this.source.next();
        if (result.done) break;
        this.buffered.push(result.value);
        this.changed?.();
      }
      this.ended = true;
    } catch (error) {
      this.failure = { error };
    }
    this.changed?.();
  }

  /** Resolves once `ready()` holds, or after `ms`. */
  private async until(ready: () => boolean, ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      if (ms !== Infinity) timer = setTimeout(resolve, ms);
    });
    try {
      while (!ready()) {
        const change = new Promise<void>((resolve) => (this.changed = resolve));
        if ((await Promise.race([change.then(() => 'changed'), timeout])) !== 'changed') return;
      }
    } finally {
      this.changed = null;
      clearTimeout(timer);
    }
  }
}
