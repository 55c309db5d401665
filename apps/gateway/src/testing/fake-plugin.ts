import {
  type sendUnaryData,
  Server,
  type ServerDuplexStream,
  ServerCredentials,
  type ServerUnaryCall,
  type ServerWritableStream,
  status,
} from '@grpc/grpc-js';
import {
  type ComputePluginServer,
  ComputePluginService,
  type CreateJobRequest,
  type ExtendJobRequest,
  type InitRequest,
  type JobEvent,
  JobState,
  type LogChunk,
  type OpenInteractiveSessionRequest,
  type ProductSupport,
  type SessionInput,
  type SessionOpen,
  type SessionOutput,
  SessionType,
  type StreamLogsRequest,
} from '@ucloud/provider-proto';
import { connect } from 'node:net';

/** A failure the fake answers a call with, as a gRPC status. */
export interface FakeFailure {
  code: status;
  details: string;
}

export interface FakePluginOptions {
  name?: string;
  eventStreamId?: string;
  products?: ProductSupport[];
  /** Port to listen on; 0 picks a free one. */
  port?: number;
  /** Default: plaintext. */
  credentials?: ServerCredentials;
}

/** A product whose ComputeSupport enables the given backend block with logs. */
export function fakeProduct(
  productId: string,
  category = 'example-compute',
  backend: 'native' | 'docker' | 'virtualMachine' = 'docker',
): ProductSupport {
  return {
    productId,
    category,
    supportJson: JSON.stringify({ [backend]: { enabled: true, logs: true, timeExtension: true } }),
  };
}

/**
 * A fake ComputePlugin served over real gRPC: it keeps a numbered in-memory event log, records
 * the calls it gets and can be told to fail them. Not a plugin: jobs do not run.
 */
export class FakePlugin {
  readonly created: CreateJobRequest[] = [];
  readonly terminated: string[] = [];
  readonly extended: ExtendJobRequest[] = [];
  readonly suspended: string[] = [];
  readonly initialized: InitRequest[] = [];
  /** The session streams opened (ConnectSession). */
  readonly sessions: SessionOpen[] = [];
  readonly acks: string[] = [];
  /** after_seq of every WatchEvents call, in order. */
  readonly watches: string[] = [];
  /** Job ids VerifyJobs recognises (besides the ones created). */
  readonly knownJobs = new Set<string>();
  /** Log output per job id, sent by StreamLogs. */
  readonly logs = new Map<string, LogChunk[]>();
  /** Per rpc name, failures to answer the next calls with. */
  readonly failures = new Map<string, FakeFailure[]>();
  /** Where web sessions (ConnectSession of WEB) go: an HTTP server of the test's on 127.0.0.1. */
  webAppPort = 0;
  /** StreamLogs calls cancelled by the client. */
  cancelledLogStreams = 0;

  eventStreamId: string;
  products: ProductSupport[];
  private readonly events: JobEvent[] = [];
  private readonly watchers = new Set<ServerWritableStream<unknown, JobEvent>>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    readonly name: string,
    options: FakePluginOptions,
  ) {
    this.eventStreamId = options.eventStreamId ?? `${name}-stream-1`;
    this.products = options.products ?? [fakeProduct('example-compute-1')];
  }

  static async start(options: FakePluginOptions = {}): Promise<FakePlugin> {
    const server = new Server();
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(
        `127.0.0.1:${options.port ?? 0}`,
        options.credentials ?? ServerCredentials.createInsecure(),
        (error, bound) => (error ? reject(error) : resolve(bound)),
      ),
    );
    const plugin = new FakePlugin(server, port, options.name ?? 'fake', options);
    server.addService(ComputePluginService, plugin.implementation());
    return plugin;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Appends an event to the log (seq assigned) and sends it to live watchers. */
  emit(jobId: string, state: JobState, statusText = '', extra: Partial<JobEvent> = {}): JobEvent {
    const event: JobEvent = {
      seq: String(this.events.length + 1),
      eventStreamId: this.eventStreamId,
      jobId,
      timestamp: String(Date.now()),
      state,
      status: statusText,
      newExpiresAt: '0',
      expectedState: JobState.JOB_STATE_UNSPECIFIED,
      providerGeneratedId: '',
      ...extra,
    };
    this.events.push(event);
    for (const watcher of this.watchers) watcher.write(event);
    return event;
  }

  /** Ends every WatchEvents stream with UNAVAILABLE, as a crashing plugin would. */
  breakWatches(): void {
    for (const watcher of this.watchers) {
      watcher.emit('error', { code: status.UNAVAILABLE, details: 'fake plugin broke the stream' });
    }
    this.watchers.clear();
  }

  /** Starts the event log over under a new stream id, as a plugin that lost its log would. */
  restartLog(eventStreamId: string): void {
    this.eventStreamId = eventStreamId;
    this.events.length = 0;
    this.breakWatches();
  }

  failNext(rpc: string, failure: FakeFailure): void {
    this.failures.set(rpc, [...(this.failures.get(rpc) ?? []), failure]);
  }

  get liveWatches(): number {
    return this.watchers.size;
  }

  async stop(): Promise<void> {
    for (const watcher of this.watchers) watcher.end();
    this.server.forceShutdown();
  }

  private failure(rpc: string): FakeFailure | undefined {
    return this.failures.get(rpc)?.shift();
  }

  /**
   * ConnectSession as an echo (web sessions excepted): it greets with the session it was opened for, then sends back what
   * it gets. Job "ended" is refused, as a plugin refuses a job that does not run; the data
   * "bye" ends the session from the plugin's side.
   */
  private echoSession(call: ServerDuplexStream<SessionInput, SessionOutput>): void {
    call.once('data', ({ input }: SessionInput) => {
      if (input?.$case !== 'open') return call.emit('error', { code: status.INVALID_ARGUMENT });
      const { jobId, rank } = input.value;
      if (jobId === 'ended') {
        call.emit('error', {
          code: status.FAILED_PRECONDITION,
          details: 'Job ended is not running',
        });
        return;
      }
      this.sessions.push(input.value);
      if (input.value.sessionType === SessionType.SESSION_TYPE_WEB) {
        this.webSession(call);
        return;
      }
      call.write({ data: Buffer.from(`session ${jobId}/${rank}\n`) });
      call.on('data', (message: SessionInput) => {
        if (message.input?.$case !== 'data') return;
        if (message.input.value.toString() === 'bye') call.end();
        else call.write({ data: message.input.value });
      });
    });
  }

  /** A web session: bytes both ways with the test's HTTP server at `webAppPort`. */
  private webSession(call: ServerDuplexStream<SessionInput, SessionOutput>): void {
    const app = connect(this.webAppPort, '127.0.0.1');
    app.on('data', (data: Buffer) => call.write({ data }));
    app.on('end', () => call.end());
    app.on('error', (err) =>
      call.emit('error', { code: status.UNAVAILABLE, details: `web app: ${err.message}` }),
    );
    call.on('data', (message: SessionInput) => {
      if (message.input?.$case === 'data') app.write(message.input.value);
    });
    call.on('end', () => app.end());
    call.on('cancelled', () => app.destroy());
  }

  /** A unary handler that first answers with any queued failure for `rpc`. */
  private unary<Req, Res>(
    rpc: string,
    handle: (request: Req) => Res,
  ): (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void {
    return (call, callback) => {
      const failure = this.failure(rpc);
      if (failure) callback(failure, null);
      else callback(null, handle(call.request));
    };
  }

  private implementation(): ComputePluginServer {
    return {
      describe: this.unary('Describe', () => ({
        pluginName: this.name,
        eventStreamId: this.eventStreamId,
        products: this.products,
      })),
      createJob: this.unary('CreateJob', (request: CreateJobRequest) => {
        this.created.push(request);
        this.knownJobs.add(request.jobId);
        return { providerGeneratedId: `${this.name}-${request.jobId}` };
      }),
      terminateJob: this.unary('TerminateJob', ({ jobId }) => {
        this.terminated.push(jobId);
        return {};
      }),
      extendJob: this.unary('ExtendJob', (request: ExtendJobRequest) => {
        this.extended.push(request);
        return { newExpiresAt: '0' };
      }),
      suspendJob: this.unary('SuspendJob', ({ jobId }) => {
        this.suspended.push(jobId);
        return {};
      }),
      unsuspendJob: this.unary('UnsuspendJob', () => ({})),
      verifyJobs: this.unary('VerifyJobs', ({ jobIds }) => ({
        unknownJobIds: jobIds.filter((id) => !this.knownJobs.has(id)),
      })),
      retrieveUtilization: this.unary('RetrieveUtilization', () => ({
        capacityCpu: 64,
        capacityMemoryBytes: String(256 * 1024 ** 3),
        usedCpu: 1.5,
        usedMemoryBytes: String(2 * 1024 ** 3),
        running: 1,
        pending: 2,
      })),
      openInteractiveSession: this.unary(
        'OpenInteractiveSession',
        ({ jobId, rank, sessionType }: OpenInteractiveSessionRequest) => ({
          // Served through the gateway (no identifier, no URL); VNC with a password.
          session:
            sessionType === SessionType.SESSION_TYPE_VNC
              ? { $case: 'vnc' as const, value: { url: '', password: `pw-${jobId}-${rank}` } }
              : sessionType === SessionType.SESSION_TYPE_WEB
                ? { $case: 'web' as const, value: { redirectClientTo: '' } }
                : { $case: 'shell' as const, value: { sessionIdentifier: '' } },
        }),
      ),
      connectSession: (call) => this.echoSession(call),
      init: this.unary('Init', (request: InitRequest) => {
        this.initialized.push(request);
        return {};
      }),
      ackEvents: this.unary('AckEvents', ({ seq }) => {
        this.acks.push(seq);
        return {};
      }),
      watchEvents: (call) => {
        this.watches.push(call.request.afterSeq);
        const failure = this.failure('WatchEvents');
        if (failure) return call.emit('error', failure);
        const after = BigInt(call.request.afterSeq);
        for (const event of this.events) if (BigInt(event.seq) > after) call.write(event);
        this.watchers.add(call);
        call.on('cancelled', () => this.watchers.delete(call));
      },
      streamLogs: (call: ServerWritableStream<StreamLogsRequest, LogChunk>) => {
        const failure = this.failure('StreamLogs');
        if (failure) return call.emit('error', failure);
        const chunks = this.logs.get(call.request.jobId);
        if (!chunks) {
          return call.emit('error', { code: status.NOT_FOUND, details: 'no such job' });
        }
        for (const chunk of chunks) call.write(chunk);
        // With follow, stay open like a running job until the client goes away.
        if (call.request.follow) call.on('cancelled', () => (this.cancelledLogStreams += 1));
        else call.end();
      },
    };
  }
}
