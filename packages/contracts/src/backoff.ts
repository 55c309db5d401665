export interface BackoffOptions {
  /** Delay before the first retry. */
  initialMs: number;
  /** Upper bound on any delay. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 200, maxMs: 15_000 };

/**
 * The delay before retry number `attempt` (0 for the first) in capped exponential backoff with
 * "equal jitter": between half and all of min(maxMs, initialMs·2^attempt), so processes restarted
 * together do not retry in lockstep. For a count kept elsewhere (a database row); `Backoff` keeps
 * its own.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  // The exponent is bounded: 2^1024 is Infinity, and 0·Infinity is NaN.
  const ceiling = Math.min(
    options.maxMs,
    options.initialMs * 2 ** Math.min(Math.max(attempt, 0), 30),
  );
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Backoff that counts its own failures: `next()` after each, `reset()` after a success. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly options: BackoffOptions = DEFAULT_BACKOFF,
    private readonly random: () => number = Math.random,
  ) {}

  /** Failures since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  /** The delay before the next retry; counts a failure. */
  next(): number {
    const delay = backoffDelay(this.attempt, this.options, this.random);
    this.attempt += 1;
    return delay;
  }

  reset(): void {
    this.attempt = 0;
  }
}

/** Waits `ms`, or less when `signal` aborts; never rejects, so callers just check the signal after. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
