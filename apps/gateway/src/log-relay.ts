import { type ClientReadableStream, type ServiceError, status as GrpcStatus } from '@grpc/grpc-js';
import type { LogStreamName, ProviderLogChunk, ProviderLogOffset } from '@ucloud/contracts';
import { type LogChunk, LogStream } from '@ucloud/provider-proto';
import { Readable } from 'node:stream';
import { PluginCallError } from './errors.js';
import type { PluginClient } from './plugin-client.js';

export interface FollowLogs {
  jobId: string;
  offsets: ProviderLogOffset[];
  follow: boolean;
}

const TO_PROTO: Record<LogStreamName, LogStream> = {
  stdout: LogStream.LOG_STREAM_STDOUT,
  stderr: LogStream.LOG_STREAM_STDERR,
};

/**
 * Relays a plugin's StreamLogs as NDJSON lines of ProviderLogChunk. Keeps track of open relays
 * so shutdown can end them instead of waiting for jobs to finish.
 */
export class LogRelay {
  private readonly open = new Set<NdjsonLogStream>();

  /**
   * Starts the plugin's stream and resolves once it has produced its first chunk or ended, so a
   * failure before any output (unknown job, unsupported) still becomes a proper HTTP error.
   */
  async relay(plugin: PluginClient, request: FollowLogs): Promise<Readable> {
    const call = plugin.streamLogs({
      jobId: request.jobId,
      offsets: request.offsets.map((o) => ({
        rank: o.rank,
        stream: TO_PROTO[o.stream],
        offset: String(o.offset),
      })),
      follow: request.follow,
    });
    const stream = new NdjsonLogStream(call);
    this.open.add(stream);
    stream.once('close', () => this.open.delete(stream));
    try {
      await stream.started;
    } catch (error) {
      stream.destroy();
      throw new PluginCallError(plugin.name, 'StreamLogs', error as ServiceError);
    }
    return stream;
  }

  /** Ends every open relay cleanly (the client sees a complete stream and can resume by offset). */
  closeAll(): void {
    for (const stream of this.open) stream.finish();
  }
}

/** A gRPC LogChunk stream as bytes of NDJSON, with backpressure and cancellation both ways. */
class NdjsonLogStream extends Readable {
  readonly started: Promise<void>;
  private finishing = false;

  constructor(private readonly call: ClientReadableStream<LogChunk>) {
    super();
    let begun = false;
    this.started = new Promise((resolve, reject) => {
      call.on('data', (chunk: LogChunk) => {
        begun = true;
        resolve();
        if (!this.push(toNdjsonLine(chunk))) call.pause();
      });
      call.on('end', () => {
        begun = true;
        resolve();
        this.push(null);
      });
      call.on('error', (error: ServiceError) => {
        // Before the start, the error goes to whoever awaits `started`; after, it cuts the response.
        if (!begun) reject(error);
        else if (this.finishing && error.code === GrpcStatus.CANCELLED) this.push(null);
        else this.destroy(error);
      });
    });
  }

  finish(): void {
    this.finishing = true;
    this.call.cancel();
  }

  override _read(): void {
    this.call.resume();
  }

  // The HTTP client went away (or the relay failed): stop the plugin's stream too.
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.call.cancel();
    callback(error);
  }
}

function toNdjsonLine(chunk: LogChunk): string {
  const line: ProviderLogChunk = {
    rank: chunk.rank,
    stream: chunk.stream === LogStream.LOG_STREAM_STDERR ? 'stderr' : 'stdout',
    offset: Number(chunk.offset),
    data: Buffer.from(chunk.data).toString('base64'),
  };
  return `${JSON.stringify(line)}\n`;
}
