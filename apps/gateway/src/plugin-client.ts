import {
  type CallOptions,
  type ClientDuplexStream,
  type ClientReadableStream,
  type ClientUnaryCall,
  credentials,
  Metadata,
  type ServiceError,
  status as GrpcStatus,
} from '@grpc/grpc-js';
import {
  ComputePluginClient,
  type CreateJobRequest,
  type CreateJobResponse,
  type DescribeResponse,
  type ExtendJobRequest,
  type ExtendJobResponse,
  type InitRequest,
  type JobEvent,
  type LogChunk,
  type OpenInteractiveSessionRequest,
  type OpenInteractiveSessionResponse,
  type RetrieveUtilizationResponse,
  type SessionInput,
  type SessionOutput,
  type StreamLogsRequest,
  type VerifyJobsResponse,
} from '@ucloud/provider-proto';
import type { PluginTls } from './config.js';
import { PluginCallError } from './errors.js';

type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => ClientUnaryCall;

/** Told how each unary call to a plugin ended (OK or the failure's gRPC status), for the metrics. */
export type PluginCallObserver = (plugin: string, method: string, outcome: GrpcStatus) => void;

/** One plugin's ComputePlugin service as promises; failures become PluginCallError. */
export class PluginClient {
  private readonly client: ComputePluginClient;

  constructor(
    readonly name: string,
    readonly address: string,
    /** Deadline of unary calls; streams have none (a follow lasts as long as the job). */
    private readonly callTimeoutMs: number,
    /** Absent: plaintext. */
    tls?: PluginTls,
    private readonly observe: PluginCallObserver = () => {},
  ) {
    const channel = tls
      ? credentials.createSsl(tls.ca, tls.client?.key ?? null, tls.client?.cert ?? null)
      : credentials.createInsecure();
    // Plugins sit next to the gateway and restart in seconds: retry connecting often, not with
    // grpc's default backoff of up to two minutes.
    this.client = new ComputePluginClient(address, channel, {
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 2000,
    });
  }

  describe(): Promise<DescribeResponse> {
    return this.unary('Describe', this.client.describe.bind(this.client), {});
  }

  createJob(request: CreateJobRequest): Promise<CreateJobResponse> {
    return this.unary('CreateJob', this.client.createJob.bind(this.client), request);
  }

  async terminateJob(jobId: string): Promise<void> {
    await this.unary('TerminateJob', this.client.terminateJob.bind(this.client), { jobId });
  }

  extendJob(request: ExtendJobRequest): Promise<ExtendJobResponse> {
    return this.unary('ExtendJob', this.client.extendJob.bind(this.client), request);
  }

  async suspendJob(jobId: string): Promise<void> {
    await this.unary('SuspendJob', this.client.suspendJob.bind(this.client), { jobId });
  }

  async unsuspendJob(jobId: string): Promise<void> {
    await this.unary('UnsuspendJob', this.client.unsuspendJob.bind(this.client), { jobId });
  }

  verifyJobs(jobIds: string[]): Promise<VerifyJobsResponse> {
    return this.unary('VerifyJobs', this.client.verifyJobs.bind(this.client), { jobIds });
  }

  retrieveUtilization(productCategory: string): Promise<RetrieveUtilizationResponse> {
    return this.unary('RetrieveUtilization', this.client.retrieveUtilization.bind(this.client), {
      productCategory,
    });
  }

  openInteractiveSession(
    request: OpenInteractiveSessionRequest,
  ): Promise<OpenInteractiveSessionResponse> {
    return this.unary(
      'OpenInteractiveSession',
      this.client.openInteractiveSession.bind(this.client),
      request,
    );
  }

  async init(request: InitRequest): Promise<void> {
    await this.unary('Init', this.client.init.bind(this.client), request);
  }

  async ackEvents(seq: string): Promise<void> {
    await this.unary('AckEvents', this.client.ackEvents.bind(this.client), { seq });
  }

  watchEvents(afterSeq: string): ClientReadableStream<JobEvent> {
    return this.client.watchEvents({ afterSeq });
  }

  streamLogs(request: StreamLogsRequest): ClientReadableStream<LogChunk> {
    return this.client.streamLogs(request);
  }

  /** A session's byte stream (ConnectSession); the caller writes `open` first. */
  connectSession(): ClientDuplexStream<SessionInput, SessionOutput> {
    return this.client.connectSession();
  }

  close(): void {
    this.client.close();
  }

  private unary<Req, Res>(rpc: string, method: UnaryMethod<Req, Res>, request: Req): Promise<Res> {
    return new Promise((resolve, reject) => {
      method(
        request,
        // A plugin restarting is a pause, not an error: wait for the channel, up to the deadline.
        new Metadata({ waitForReady: true }),
        { deadline: Date.now() + this.callTimeoutMs },
        (error, response) => {
          this.observe(this.name, rpc, error ? error.code : GrpcStatus.OK);
          if (error) reject(new PluginCallError(this.name, rpc, error));
          else resolve(response);
        },
      );
    });
  }
}
