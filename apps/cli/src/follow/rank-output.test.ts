import { describe, expect, it } from 'vitest';
import { colorsFor, type Streams } from '../terminal.js';
import { RankOutput } from './rank-output.js';

function capture() {
  const written = { stdout: '', stderr: '' };
  const stream = (name: keyof typeof written) =>
    ({
      write: (text: string) => {
        written[name] += text;
        return true;
      },
    }) as unknown as NodeJS.WriteStream;
  const streams: Streams = { stdout: stream('stdout'), stderr: stream('stderr') };
  return { written, streams };
}

const plain = colorsFor({ isTTY: false });

describe('RankOutput', () => {
  it('passes one rank through exactly, stdout and stderr apart', () => {
    const { written, streams } = capture();
    const out = new RankOutput(streams, false, plain);
    out.write({ rank: 0, stdout: 'par', stderr: null });
    out.write({ rank: 0, stdout: 'tial\nline\n', stderr: 'warn' });
    out.flush();
    expect(written).toEqual({ stdout: 'partial\nline\n', stderr: 'warn' });
  });

  it('prefixes whole lines with their rank, holding a line until it ends', () => {
    const { written, streams } = capture();
    const out = new RankOutput(streams, true, plain);
    out.write({ rank: 0, stdout: 'a1\na', stderr: null });
    out.write({ rank: 1, stdout: 'b1\n', stderr: 'oops\n' });
    out.write({ rank: 0, stdout: '2\n', stderr: null });
    out.write({ rank: 1, stdout: 'no end', stderr: null });
    out.flush();
    expect(written.stdout).toBe('[0] a1\n[1] b1\n[0] a2\n[1] no end\n');
    expect(written.stderr).toBe('[1] oops\n');
  });

  it("shows only one rank's output when asked", () => {
    const { written, streams } = capture();
    const out = new RankOutput(streams, false, plain, 1);
    out.write({ rank: 0, stdout: 'zero\n', stderr: null });
    out.write({ rank: 1, stdout: 'one\n', stderr: null });
    expect(written.stdout).toBe('one\n');
  });
});

describe('colorsFor', () => {
  it('colours a terminal only, and never with NO_COLOR or TERM=dumb', () => {
    const red = (env: NodeJS.ProcessEnv, isTTY: boolean) => colorsFor({ isTTY }, env).red('x');
    expect(red({}, true)).not.toBe('x');
    expect(red({}, false)).toBe('x');
    expect(red({ NO_COLOR: '1' }, true)).toBe('x');
    expect(red({ TERM: 'dumb' }, true)).toBe('x');
  });
});
