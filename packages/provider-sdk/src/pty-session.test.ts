import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ptySession } from './pty-session.js';

/** What the stream sends until `pattern` appears in it (listening, so the stream stays open). */
function until(stream: NodeJS.ReadableStream, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (!pattern.test(seen)) return;
      stream.off('data', onData);
      stream.pause();
      resolve(seen);
    };
    stream.on('data', onData);
    stream.resume();
    stream.once('end', () =>
      reject(new Error(`the stream ended without ${String(pattern)}: ${JSON.stringify(seen)}`)),
    );
  });
}

describe('ptySession', () => {
  it('runs a shell on a terminal of the given size, in the given directory and environment, and resizes it', async () => {
    const session = ptySession({
      file: '/bin/sh',
      args: [],
      cwd: '/tmp',
      env: { PATH: '/usr/bin:/bin', UCLOUD_RANK: '1' },
      size: { cols: 100, rows: 40 },
    });
    const { stream } = session;
    stream.write('echo "rank=$UCLOUD_RANK pwd=$(pwd)"; stty size\n');
    expect(await until(stream, /40 100/)).toMatch(/rank=1 pwd=\/tmp/);
    session.resize?.({ cols: 120, rows: 50 });
    stream.write('stty size\n');
    expect(await until(stream, /50 120/)).toContain('50 120');
    stream.write('exit\n');
    stream.resume();
    await once(stream, 'end');
  });

  it('hangs the shell up when the user leaves', async () => {
    const { stream } = ptySession({
      file: '/bin/sh',
      args: ['-c', 'echo ready; sleep 600'],
      cwd: '/tmp',
      env: { PATH: '/usr/bin:/bin' },
      size: null,
    });
    await until(stream, /ready/);
    stream.destroy();
    await once(stream, 'close');
    expect(stream.destroyed).toBe(true);
  });
});
