import { type Logger } from 'pino';
import { type JobEventInput, type JournalEvent, type PluginContext } from './backend.js';

/**
 * The PluginContext a backend is given at `start`, for the code that runs after it: emitting or
 * logging before `start` is a bug, and says so.
 *
 *   private readonly started = new StartedContext('Docker');
 *   async start(ctx) { this.started.set(ctx); … }
 *   … this.started.emit({ jobId, state: 'RUNNING' }); this.started.fail(jobId, why, this.store);
 */
export class StartedContext {
  private ctx: PluginContext | null = null;

  /** `backend` names the backend in the error for use before start. */
  constructor(private readonly backend: string) {}

  set(ctx: PluginContext): void {
    this.ctx = ctx;
  }

  /** Emits the event (`PluginContext.emit`). */
  emit(event: JobEventInput): JournalEvent {
    return this.current().emit(event);
  }

  /** Emits the events in one commit (`PluginContext.emitMany`). */
  emitMany(events: JobEventInput[]): JournalEvent[] {
    return this.current().emitMany(events);
  }

  get logger(): Logger {
    return this.current().logger;
  }

  /** Reports the job failed with `status`, records it ended in `store`, and logs a warning. */
  fail(jobId: string, status: string, store: { markEnded(jobId: string): void }): void {
    this.emit({ jobId, state: 'FAILURE', status });
    store.markEnded(jobId);
    this.logger.warn({ jobId, status }, 'job failed');
  }

  private current(): PluginContext {
    if (!this.ctx) throw new Error(`The ${this.backend} backend has not been started`);
    return this.ctx;
  }
}
