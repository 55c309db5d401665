import type { ClientReadableStream } from '@grpc/grpc-js';
import { Backoff, type BackoffOptions, type ResourceUpdateAndId, sleep } from '@ucloud/contracts';
import type { JobEvent } from '@ucloud/provider-proto';
import type { Logger } from 'pino';
import { BatchReader } from './batch-reader.js';
import { errorMessage } from '@ucloud/contracts';
import { toResourceUpdate } from './job-updates.js';
import type { JobsControl } from './orchestrator-client.js';
import type { PluginClient } from './plugin-client.js';
import type { PluginRegistry } from './plugin-registry.js';

/**
 * - connecting: describing the plugin and asking the orchestrator for its cursor
 * - live: delivering events as they happen
 * - lagging: a backlog is waiting; delivering full batches
 * - reconnecting: a call failed; waiting out the backoff before starting over from the cursor
 * - stopped: not running
 */
export type PumpState = 'connecting' | 'live' | 'lagging' | 'reconnecting' | 'stopped';

export interface EventPumpOptions {
  /** Most events in one control.update. */
  batchSize: number;
  /** How long a batch waits for more events after its first. */
  lingerMs: number;
  backoff: BackoffOptions;
  /**
   * How long after start a failing pump waits quietly (debug level) for an orchestrator that has
   * not answered yet: the gateway may well start before it.
   */
  startGraceMs: number;
  /** Told of each batch of updates once the orchestrator has stored it. */
  onDelivered?: (updates: ResourceUpdateAndId[]) => void;
}

/** Failures in a row after which reconnecting is logged as an error rather than a warning. */
const PERSISTENT_FAILURES = 5;

/**
 * Moves one plugin's numbered events to the orchestrator without losing any. Each session starts
 * from the orchestrator's stored cursor for the plugin's event stream, delivers events in order in
 * batches whose cursor is the last event's seq (stored by the orchestrator with the updates), and
 * acks the plugin only after the orchestrator has. Any failure ends the session; the next starts
 * again from the cursor, so events are resent only if the orchestrator never stored them.
 */
export class EventPump {
  private current: PumpState = 'stopped';
  private readonly abort = new AbortController();
  private running: Promise<void> | null = null;
  private watch: ClientReadableStream<JobEvent> | null = null;
  private readonly logger: Logger;
  /** When start() was called, for the quiet wait on an orchestrator that is still starting. */
  private startedAt = 0;
  /** The orchestrator has answered since start: from then on a failure is news. */
  private answered = false;
  /** The ack being sent, if any, and the highest seq to ack once it is done. */
  private acking: Promise<void> | null = null;
  private toAck: string | null = null;

  constructor(
    private readonly plugin: PluginClient,
    private readonly registry: PluginRegistry,
    private readonly control: JobsControl,
    logger: Logger,
    private readonly options: EventPumpOptions,
  ) {
    this.logger = logger.child({ component: 'event-pump', plugin: plugin.name });
  }

  get state(): PumpState {
    return this.current;
  }

  start(): void {
    if (this.running) return;
    this.startedAt = Date.now();
    this.running = this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.watch?.cancel();
    await this.running;
    await this.acking;
  }

  private async run(): Promise<void> {
    const backoff = new Backoff(this.options.backoff);
    const { signal } = this.abort;
    while (!signal.aborted) {
      this.enter('connecting', {});
      try {
        await this.session(backoff, signal);
      } catch (error) {
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- aborted meanwhile
        if (signal.aborted) break;
        const retryInMs = backoff.next();
        this.enter('reconnecting', {
          err: errorMessage(error),
          attempt: backoff.attempts,
          retryInMs,
        });
        await sleep(retryInMs, signal);
      }
    }
    this.enter('stopped', {});
  }

  /** One connection, from the orchestrator's cursor until something fails (it never ends otherwise). */
  private async session(backoff: Backoff, signal: AbortSignal): Promise<never> {
    // Describe again each time: a plugin whose log started over has a new event stream id.
    // An ack left from the last session may not reach a plugin whose log started over.
    this.toAck = null;
    const { eventStreamId: stream } = await this.registry.describe(this.plugin);
    const cursor = await this.control.retrieveCursor(stream, signal);
    this.answered = true;
    let delivered = BigInt(cursor?.seq ?? '0');

    const watch = this.plugin.watchEvents(delivered.toString());
    this.watch = watch;
    if (signal.aborted) watch.cancel();
    const batches = new BatchReader(
      watch[Symbol.asyncIterator]() as AsyncIterator<JobEvent>,
      this.options.batchSize,
      this.options.lingerMs,
    );
    this.enter('live', { stream, afterSeq: delivered.toString() });

    try {
      for (;;) {
        const batch = await batches.next();
        if (!batch) throw new Error('the plugin ended the event stream');
        const fresh = batch.filter((event) => {
          if (event.eventStreamId && event.eventStreamId !== stream) {
            throw new Error(
              `the plugin's event stream changed from ${stream} to ${event.eventStreamId}`,
            );
          }
          return BigInt(event.seq) > delivered;
        });
        const last = fresh.at(-1);
        if (!last) continue;

        const updates = fresh.map(toResourceUpdate);
        await this.control.update(updates, { stream, seq: last.seq }, signal);
        this.options.onDelivered?.(updates);
        delivered = BigInt(last.seq);
        backoff.reset();
        this.enter(batch.length >= this.options.batchSize ? 'lagging' : 'live', {
          stream,
          seq: last.seq,
        });
        this.acknowledge(last.seq);
      }
    } finally {
      watch.cancel();
    }
  }

  /**
   * The orchestrator has the events; the plugin may now forget them. Sent beside the next batch,
   * not before it: one ack at a time, each covering every batch delivered meanwhile.
   */
  private acknowledge(seq: string): void {
    this.toAck = seq;
    this.acking ??= this.sendAcks();
  }

  private async sendAcks(): Promise<void> {
    for (let seq = this.toAck; seq !== null; seq = this.toAck) {
      this.toAck = null;
      try {
        await this.plugin.ackEvents(seq);
      } catch (error) {
        // Not fatal: the plugin keeps the events a little longer and the next ack covers them.
        this.logger.warn({ seq, err: errorMessage(error) }, 'plugin did not take the ack');
      }
    }
    this.acking = null;
  }

  private enter(next: PumpState, details: Record<string, unknown>): void {
    const previous = this.current;
    this.current = next;
    if (next === 'reconnecting') {
      if (this.waitingForStart()) {
        this.logger.debug(details, 'waiting for the orchestrator to answer');
        return;
      }
      const persistent = Number(details.attempt) > PERSISTENT_FAILURES;
      this.logger[persistent ? 'error' : 'warn'](details, 'event pump interrupted; reconnecting');
      return;
    }
    if (next === previous) return;
    if (next === 'live' && previous === 'connecting') {
      this.logger.info(details, 'event stream connected');
    } else if (next === 'live') {
      this.logger.info(details, 'caught up with the plugin');
    } else if (next === 'lagging') {
      this.logger.info(details, 'lagging behind the plugin; delivering a backlog');
    } else if (next === 'stopped') {
      this.logger.info('event pump stopped');
    } else {
      this.logger.debug(details, `event pump ${next}`);
    }
  }

  /** Not answered yet, within the grace after start: the orchestrator is most likely starting. */
  private waitingForStart(): boolean {
    return !this.answered && Date.now() - this.startedAt < this.options.startGraceMs;
  }
}
