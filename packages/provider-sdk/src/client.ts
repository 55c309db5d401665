import {
  credentials as grpcCredentials,
  type ChannelCredentials,
  type ClientDuplexStream,
  type ClientReadableStream,
  type ServiceError,
} from '@grpc/grpc-js';
import {
  ComputePluginClient,
  CreateJobRequest,
  StreamLogsRequest,
  type CreateJobResponse,
  type DeepPartial,
  type DescribeResponse,
  type ExtendJobResponse,
  type JobEvent,
  type LogChunk,
  type RetrieveUtilizationResponse,
  type SessionInput,
  type SessionOutput,
  type VerifyJobsResponse,
} from '@ucloud/provider-proto';

/** A promise-based ComputePlugin client, for gateways and for tests that drive a plugin. */
export interface PluginClient {
  /** The generated client, for call options this wrapper does not expose. */
  readonly raw: ComputePluginClient;
  describe(): Promise<DescribeResponse>;
  createJob(request: DeepPartial<CreateJobRequest>): Promise<CreateJobResponse>;
  terminateJob(jobId: string): Promise<void>;
  /** Answers the new deadline (epoch ms), or null when the plugin does not track it. */
  extendJob(jobId: string, extendByMs: number): Promise<number | null>;
  suspendJob(jobId: string): Promise<void>;
  unsuspendJob(jobId: string): Promise<void>;
  verifyJobs(jobIds: string[]): Promise<string[]>;
  retrieveUtilization(productCategory?: string): Promise<RetrieveUtilizationResponse>;
  watchEvents(afterSeq: number): ClientReadableStream<JobEvent>;
  ackEvents(seq: number): Promise<void>;
  streamLogs(request: DeepPartial<StreamLogsRequest>): ClientReadableStream<LogChunk>;
  /** A session stream (ConnectSession): write `open` first, then data and resizes. */
  connectSession(): ClientDuplexStream<SessionInput, SessionOutput>;
  close(): void;
}

type Callback<T> = (err: ServiceError | null, response: T) => void;

function unary<T>(invoke: (callback: Callback<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => invoke((err, res) => (err ? reject(err) : resolve(res))));
}

export function connectPlugin(
  address: string,
  credentials: ChannelCredentials = grpcCredentials.createInsecure(),
): PluginClient {
  const raw = new ComputePluginClient(address, credentials);
  return {
    raw,
    describe: () => unary((cb) => raw.describe({}, cb)),
    createJob: (request) => unary((cb) => raw.createJob(CreateJobRequest.fromPartial(request), cb)),
    terminateJob: async (jobId) => {
      await unary((cb) => raw.terminateJob({ jobId }, cb));
    },
    extendJob: async (jobId, extendByMs) => {
      const res = await unary<ExtendJobResponse>((cb) =>
        raw.extendJob({ jobId, extendByMs: String(extendByMs) }, cb),
      );
      return res.newExpiresAt === '0' ? null : Number(res.newExpiresAt);
    },
    suspendJob: async (jobId) => {
      await unary((cb) => raw.suspendJob({ jobId }, cb));
    },
    unsuspendJob: async (jobId) => {
      await unary((cb) => raw.unsuspendJob({ jobId }, cb));
    },
    verifyJobs: async (jobIds) =>
      (await unary<VerifyJobsResponse>((cb) => raw.verifyJobs({ jobIds }, cb))).unknownJobIds,
    retrieveUtilization: (productCategory = '') =>
      unary((cb) => raw.retrieveUtilization({ productCategory }, cb)),
    watchEvents: (afterSeq) => raw.watchEvents({ afterSeq: String(afterSeq) }),
    ackEvents: async (seq) => {
      await unary((cb) => raw.ackEvents({ seq: String(seq) }, cb));
    },
    streamLogs: (request) => raw.streamLogs(StreamLogsRequest.fromPartial(request)),
    connectSession: () => raw.connectSession(),
    close: () => raw.close(),
  };
}
