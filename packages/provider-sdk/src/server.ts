import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  Server,
  ServerCredentials,
  type ServerWritableStream,
  type handleUnaryCall,
} from '@grpc/grpc-js';
import {
  ComputePluginService,
  type ComputePluginServer,
  type OpenInteractiveSessionResponse,
} from '@ucloud/provider-proto';
import { type Logger } from 'pino';
import { type ComputeBackend, type OpenedSession, type PluginContext } from './backend.js';
import { InvalidArgumentError, toServiceError, UnsupportedError } from './errors.js';
import { EventJournal } from './journal.js';
import { relaySession, sessionKind } from './session-relay.js';
import {
  createJobSpec,
  jobEvent,
  logChunk,
  requireJobId,
  streamLogsSpec,
  toUint64,
  uint64,
} from './wire.js';

export interface ServePluginOptions {
  /** host:port to listen on; port 0 picks a free one (see `PluginServer.port`). */
  address: string;
  /** Where the event journal (events.db) lives. */
  dataDir: string;
  logger: Logger;
  /** Defaults to insecure: the gateway reaches plugins on localhost or a private network. */
  credentials?: ServerCredentials;
  /** How long close() lets unary calls finish before cutting connections. */
  shutdownTimeoutMs?: number;
}

export interface PluginServer {
  readonly port: number;
  readonly eventStreamId: string;
  /** Ends open streams, stops the server, then the backend, then closes the journal. */
  close(): Promise<void>;
}

/**
 * Closes the plugin on SIGINT or SIGTERM, then exits. Jobs are the scheduler's or run in sessions of
 * their own, so they keep running; the next start re-attaches to them.
 */
export function closeOnSignals(server: PluginServer, logger: Logger): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      server.close().then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}

/**
 * Serves `backend` as a ComputePlugin: opens the event journal in `dataDir`, lets the backend
 * re-attach to its jobs (`start`), then accepts calls.
 */
export async function servePlugin(
  backend: ComputeBackend,
  options: ServePluginOptions,
): Promise<PluginServer> {
  const logger = options.logger.child({ plugin: backend.name });
  mkdirSync(options.dataDir, { recursive: true });
  const journal = EventJournal.open(join(options.dataDir, 'events.db'));
  const ctx: PluginContext = {
    emit(input) {
      const event = journal.append(input);
      logger.info({ jobId: event.jobId, event }, 'job event');
      return event;
    },
    emitMany(inputs) {
      const events = journal.appendMany(inputs);
      for (const event of events) logger.info({ jobId: event.jobId, event }, 'job event');
      return events;
    },
    logger,
  };

  const server = new Server();
  // Every open stream, so close() can end them: tryShutdown waits for calls in flight.
  const streams = new Set<AbortController>();
  try {
    await backend.start(ctx);
    server.addService(ComputePluginService, implementation(backend, journal, streams, logger));
    const port = await bind(server, options.address, options.credentials);
    logger.info({ address: options.address, port }, 'plugin listening');
    return {
      port,
      eventStreamId: journal.eventStreamId,
      close: async () => {
        for (const controller of streams) controller.abort();
        await shutdown(server, options.shutdownTimeoutMs ?? 5000);
        await backend.stop();
        journal.close();
        logger.info('plugin stopped');
      },
    };
  } catch (err) {
    server.forceShutdown();
    await backend.stop();
    journal.close();
    throw err;
  }
}

function implementation(
  backend: ComputeBackend,
  journal: EventJournal,
  streams: Set<AbortController>,
  logger: Logger,
): ComputePluginServer {
  /** The logger for a call about one job carries its id. */
  const loggerFor = (request: unknown): Logger => {
    const jobId = (request as { jobId?: unknown } | null)?.jobId;
    return typeof jobId === 'string' && jobId !== '' ? logger.child({ jobId }) : logger;
  };

  function unary<Req, Res>(
    method: string,
    handle: (request: Req) => Promise<Res>,
  ): handleUnaryCall<Req, Res> {
    return (call, callback) => {
      handle(call.request).then(
        (response) => callback(null, response),
        (err: unknown) => callback(toServiceError(err, loggerFor(call.request), method)),
      );
    };
  }

  /** Writes `produce`'s items to the call with backpressure, until it ends, fails or is aborted. */
  async function pump<Req, Res>(
    method: string,
    call: ServerWritableStream<Req, Res>,
    produce: (signal: AbortSignal) => AsyncIterable<Res>,
  ): Promise<void> {
    const controller = new AbortController();
    const { signal } = controller;
    streams.add(controller);
    call.on('cancelled', () => controller.abort());
    try {
      for await (const item of produce(signal)) {
        if (signal.aborted) break;
        if (!call.write(item)) await once(call, 'drain', { signal });
      }
      if (!call.cancelled) call.end();
    } catch (err) {
      if (signal.aborted) {
        if (!call.cancelled) call.end();
      } else {
        call.emit('error', toServiceError(err, loggerFor(call.request), method));
      }
    } finally {
      streams.delete(controller);
    }
  }

  return {
    describe: unary('Describe', async () => ({
      pluginName: backend.name,
      eventStreamId: journal.eventStreamId,
      products: (await backend.describe()).map((p) => ({
        productId: p.productId,
        category: p.category,
        supportJson: JSON.stringify(p.support),
      })),
    })),
    createJob: unary('CreateJob', async (req) => {
      const result = await backend.create(createJobSpec(req));
      return { providerGeneratedId: result.providerGeneratedId ?? '' };
    }),
    terminateJob: unary('TerminateJob', async (req) => {
      await backend.terminate(requireJobId(req.jobId));
      return {};
    }),
    extendJob: unary('ExtendJob', async (req) => {
      const expiresAt = await backend.extend(
        requireJobId(req.jobId),
        uint64(req.extendByMs, 'extend_by_ms'),
      );
      return { newExpiresAt: expiresAt === null ? '0' : toUint64(expiresAt) };
    }),
    suspendJob: unary('SuspendJob', async (req) => {
      await backend.suspend(requireJobId(req.jobId));
      return {};
    }),
    unsuspendJob: unary('UnsuspendJob', async (req) => {
      await backend.unsuspend(requireJobId(req.jobId));
      return {};
    }),
    verifyJobs: unary('VerifyJobs', async (req) => ({
      unknownJobIds: await backend.verify(req.jobIds),
    })),
    retrieveUtilization: unary('RetrieveUtilization', async (req) => {
      const u = await backend.utilization(req.productCategory);
      return {
        capacityCpu: u.capacityCpu,
        capacityMemoryBytes: toUint64(u.capacityMemoryBytes),
        usedCpu: u.usedCpu,
        usedMemoryBytes: toUint64(u.usedMemoryBytes),
        running: u.running,
        pending: u.pending,
      };
    }),
    openInteractiveSession: unary('OpenInteractiveSession', async (req) => {
      const kind = sessionKind(req.sessionType);
      if (!backend.openSession)
        throw new UnsupportedError(`Plugin ${backend.name} offers no interactive sessions`);
      const session = await backend.openSession(requireJobId(req.jobId), req.rank, kind);
      return { session: sessionOut(session) };
    }),
    init: unary('Init', async (req) => {
      if (!req.createdBy) throw new InvalidArgumentError('created_by is required');
      await backend.init?.({ createdBy: req.createdBy, project: req.project ?? null });
      return {};
    }),
    ackEvents: unary('AckEvents', async (req) => {
      journal.ack(uint64(req.seq, 'seq'));
      return {};
    }),
    watchEvents: (call) => {
      void pump('WatchEvents', call, (signal) =>
        mapAsync(journal.follow(uint64(call.request.afterSeq, 'after_seq'), signal), jobEvent),
      );
    },
    connectSession: (call) => {
      const controller = new AbortController();
      streams.add(controller);
      void relaySession(backend, call, logger, controller.signal).finally(() =>
        streams.delete(controller),
      );
    },
    streamLogs: (call) => {
      void pump('StreamLogs', call, (signal) =>
        mapAsync(backend.streamLogs(streamLogsSpec(call.request, signal)), logChunk),
      );
    },
  };
}

function sessionOut(session: OpenedSession): OpenInteractiveSessionResponse['session'] {
  switch (session.type) {
    case 'shell':
      return { $case: 'shell', value: { sessionIdentifier: session.sessionIdentifier } };
    case 'web':
      return { $case: 'web', value: { redirectClientTo: session.redirectClientTo } };
    case 'vnc':
      return { $case: 'vnc', value: { url: session.url, password: session.password ?? undefined } };
  }
}

async function* mapAsync<A, B>(source: AsyncIterable<A>, f: (a: A) => B): AsyncGenerator<B> {
  for await (const item of source) yield f(item);
}

function bind(server: Server, address: string, credentials?: ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, credentials ?? ServerCredentials.createInsecure(), (err, port) =>
      err ? reject(err) : resolve(port),
    );
  });
}

function shutdown(server: Server, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.forceShutdown(), timeoutMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
