import { EventEmitter } from 'node:events';

/** Wakes followers of a job after a transaction touching it has committed. */
export class JobNotifier {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  notify(jobIds: Iterable<number>): void {
    for (const id of jobIds) this.emitter.emit(String(id));
  }

  /** Listeners subscribed now (one per open follow stream). */
  subscriptions(): number {
    return this.emitter.eventNames().reduce((n, name) => n + this.emitter.listenerCount(name), 0);
  }

  /** Calls `listener` on every notification for the job until the returned function is called. */
  subscribe(jobId: number, listener: () => void): () => void {
    const key = String(jobId);
    this.emitter.on(key, listener);
    return () => this.emitter.off(key, listener);
  }
}
