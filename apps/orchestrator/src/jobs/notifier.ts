/** Wakes followers of a job after a transaction touching it has committed. */
export class JobNotifier {
  /**
   * A set per job, not an EventEmitter: removing one of n listeners from an emitter's array costs
   * n, so 10,000 followers of a job leaving cost 10,000² steps.
   */
  private readonly listeners = new Map<number, Set<() => void>>();

  notify(jobIds: Iterable<number>): void {
    // A listener may unsubscribe while called: a Set's iteration skips what was deleted meanwhile.
    for (const id of jobIds) for (const listener of this.listeners.get(id) ?? []) listener();
  }

  /** Listeners subscribed now (one per open follow stream). */
  subscriptions(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  /** Calls `listener` on every notification for the job until the returned function is called. */
  subscribe(jobId: number, listener: () => void): () => void {
    const set = this.listeners.get(jobId) ?? new Set();
    this.listeners.set(jobId, set);
    // Wrapped, so that the same function subscribed twice is called twice and removed once per call.
    const entry = () => listener();
    set.add(entry);
    return () => {
      set.delete(entry);
      if (set.size === 0 && this.listeners.get(jobId) === set) this.listeners.delete(jobId);
    };
  }
}
