import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LogChunkOut } from './backend.js';
import { streamFileLogs, type LogFile } from './file-logs.js';

let dir: string;
let files: LogFile[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'file-logs-'));
  files = [
    { rank: 0, stream: 'stdout', path: join(dir, 'rank-0.stdout') },
    { rank: 0, stream: 'stderr', path: join(dir, 'rank-0.stderr') },
    { rank: 1, stream: 'stdout', path: join(dir, 'rank-1.stdout') },
  ];
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function collect(source: AsyncIterable<LogChunkOut>): Promise<LogChunkOut[]> {
  const out: LogChunkOut[] = [];
  for await (const chunk of source) out.push(chunk);
  return out;
}

/** Concatenates the chunks of one rank's stream, checking they are contiguous. */
function text(chunks: LogChunkOut[], rank: number, stream: 'stdout' | 'stderr', from = 0): string {
  let expected = from;
  const parts: Buffer[] = [];
  for (const c of chunks.filter((c) => c.rank === rank && c.stream === stream)) {
    expect(c.offset).toBe(expected);
    expected += c.data.length;
    parts.push(c.data);
  }
  return Buffer.concat(parts).toString();
}

describe('streamFileLogs', () => {
  it('sends what is there from the requested offsets and skips missing files', async () => {
    writeFileSync(files[0]!.path, 'hello\nworld\n');
    writeFileSync(files[1]!.path, 'oops\n');
    const chunks = await collect(
      streamFileLogs({
        files: () => files,
        isDone: () => false,
        offsets: [{ rank: 0, stream: 'stdout', offset: 6 }],
        follow: false,
      }),
    );
    expect(text(chunks, 0, 'stdout', 6)).toBe('world\n');
    expect(text(chunks, 0, 'stderr')).toBe('oops\n');
    expect(chunks.some((c) => c.rank === 1)).toBe(false);
  });

  it('caps chunks at maxChunkBytes', async () => {
    writeFileSync(files[0]!.path, 'x'.repeat(1000));
    const chunks = await collect(
      streamFileLogs({
        files: () => [files[0]!],
        isDone: () => true,
        offsets: [],
        follow: false,
        maxChunkBytes: 64,
      }),
    );
    expect(chunks).toHaveLength(16);
    expect(Math.max(...chunks.map((c) => c.data.length))).toBe(64);
    expect(text(chunks, 0, 'stdout')).toBe('x'.repeat(1000));
  });

  it('with follow, sends new output until the job is done and every byte is sent', async () => {
    let done = false;
    const chunks: LogChunkOut[] = [];
    const streaming = (async () => {
      for await (const c of streamFileLogs({
        files: () => files,
        isDone: () => done,
        offsets: [],
        follow: true,
        pollIntervalMs: 10,
      })) {
        chunks.push(c);
      }
    })();

    appendFileSync(files[0]!.path, 'one\n');
    await until(() => text(chunks, 0, 'stdout') === 'one\n');
    appendFileSync(files[2]!.path, 'rank one\n'); // a file that appears later
    appendFileSync(files[0]!.path, 'two\n');
    // Output written just before the job is marked done must still be sent.
    appendFileSync(files[0]!.path, 'last\n');
    done = true;
    await streaming;
    expect(text(chunks, 0, 'stdout')).toBe('one\ntwo\nlast\n');
    expect(text(chunks, 1, 'stdout')).toBe('rank one\n');
  });

  it('stops polling when aborted', async () => {
    const controller = new AbortController();
    let polls = 0;
    const streaming = collect(
      streamFileLogs({
        files: () => files,
        isDone: () => {
          polls++;
          return false;
        },
        offsets: [],
        follow: true,
        pollIntervalMs: 10,
        signal: controller.signal,
      }),
    );
    await until(() => polls >= 2);
    controller.abort();
    await streaming;
    const after = polls;
    await new Promise((r) => setTimeout(r, 50));
    expect(polls).toBe(after);
  });
});

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
