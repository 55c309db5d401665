import { Duplex } from 'node:stream';
import { spawn, type IPty } from 'node-pty';
import { type SessionStream, type TerminalSize } from './backend.js';

export interface PtyCommand {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** The terminal's size at the start; 80×24 when the client gave none. */
  size: TerminalSize | null;
}

/**
 * A shell session on a pseudo-terminal: `command` runs on a new PTY whose output is the stream's
 * readable side and whose input its writable side. The stream ends when the command exits; a
 * stream destroyed (the user left) hangs the command up.
 */
export function ptySession(command: PtyCommand): SessionStream {
  const pty = spawn(command.file, command.args, {
    name: 'xterm-256color',
    cols: command.size?.cols ?? 80,
    rows: command.size?.rows ?? 24,
    cwd: command.cwd,
    env: command.env,
  });
  let exited = false;
  const stream = new PtyStream(pty, () => exited);
  pty.onData((data) => {
    // The PTY has no flow control here: what the user's side cannot take yet is buffered.
    stream.push(Buffer.from(data, 'utf8'));
  });
  pty.onExit(() => {
    exited = true;
    stream.push(null);
  });
  return {
    stream,
    resize: (size) => {
      if (!exited) pty.resize(Math.max(1, size.cols), Math.max(1, size.rows));
    },
  };
}

class PtyStream extends Duplex {
  constructor(
    private readonly pty: IPty,
    private readonly exited: () => boolean,
  ) {
    super();
  }

  override _read(): void {
    // Output is pushed as the PTY produces it.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error) => void): void {
    if (!this.exited()) this.pty.write(chunk.toString('utf8'));
    done();
  }

  override _destroy(err: Error | null, done: (err: Error | null) => void): void {
    if (!this.exited()) this.pty.kill('SIGHUP');
    done(err);
  }
}
