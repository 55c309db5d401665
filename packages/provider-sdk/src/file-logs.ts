import { open, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { type LogChunkOut, type LogPosition, type LogStreamName } from './backend.js';
import { errnoCode } from './errors.js';

/** Where one rank's stdout or stderr is written. The file may not exist yet. */
export interface LogFile {
  rank: number;
  stream: LogStreamName;
  path: string;
}

export interface FileLogOptions {
  /** The files to read; asked again on every poll, so ranks that appear later are picked up. */
  files: () => LogFile[] | Promise<LogFile[]>;
  /** True once the job has ended and its processes write nothing more. */
  isDone: () => boolean | Promise<boolean>;
  offsets: LogPosition[];
  follow: boolean;
  signal?: AbortSignal;
  pollIntervalMs?: number;
  maxChunkBytes?: number;
}

const DEFAULT_POLL_MS = 100;
const DEFAULT_CHUNK_BYTES = 64 * 1024;

const key = (rank: number, stream: LogStreamName) => `${rank}/${stream}`;

/**
 * Streams log files from byte offsets. Without follow it sends what is there and ends; with
 * follow it polls (fs.watch misses events on some file systems) until the job is done and every
 * byte written before that has been sent. `isDone` is asked before each pass, so output written
 * before the job ended is always read by the pass that then ends the stream.
 */
export async function* streamFileLogs(options: FileLogOptions): AsyncGenerator<LogChunkOut> {
  const pollMs = options.pollIntervalMs ?? DEFAULT_POLL_MS;
  const maxChunk = options.maxChunkBytes ?? DEFAULT_CHUNK_BYTES;
  const positions = new Map<string, number>();
  for (const o of options.offsets) positions.set(key(o.rank, o.stream), o.offset);

  while (!options.signal?.aborted) {
    const done = !options.follow || (await options.isDone());
    for (const file of await options.files()) {
      const k = key(file.rank, file.stream);
      const from = positions.get(k) ?? 0;
      for await (const chunk of readFrom(file, from, maxChunk)) {
        if (options.signal?.aborted) return;
        positions.set(k, chunk.offset + chunk.data.length);
        yield chunk;
      }
    }
    if (done) return;
    try {
      await sleep(pollMs, undefined, { signal: options.signal });
    } catch {
      return; // aborted while waiting
    }
  }
}

/** The bytes of `file` from `from` up to its current size, in chunks of at most `maxChunk`. */
async function* readFrom(
  file: LogFile,
  from: number,
  maxChunk: number,
): AsyncGenerator<LogChunkOut> {
  let size: number;
  try {
    size = (await stat(file.path)).size;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return;
    throw err;
  }
  if (size <= from) return;
  const handle = await open(file.path, 'r');
  try {
    let offset = from;
    while (offset < size) {
      const buffer = Buffer.alloc(Math.min(maxChunk, size - offset));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      if (bytesRead === 0) return; // truncated since stat
      yield { rank: file.rank, stream: file.stream, offset, data: buffer.subarray(0, bytesRead) };
      offset += bytesRead;
    }
  } finally {
    await handle.close();
  }
}
