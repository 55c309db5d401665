import { createInterface } from 'node:readline';
import { Duplex } from 'node:stream';
import {
  connectToRank,
  FailedPreconditionError,
  type SessionStream,
  type TerminalSize,
} from '@ucloud/provider-sdk';

/** Where a rank's guest serves shells: its ttyS2 and ttyS3 as QEMU's unix sockets. */
export interface ShellSockets {
  shell: string;
  control: string;
}

/** How long the guest may take to apply a size (it may still be booting, under TCG) before the
 * shell is given up. */
const ANSWER_MS = 20_000;
/** How often an unanswered size is written again: what reaches the port before the guest opened it
 * is lost. */
const REPEAT_MS = 500;
/** How long the shell's last output has, after the guest said it ended, to arrive. */
const SETTLE_MS = 100;
/** How long a hung-up shell may take to end before its ports are let go anyway. */
const HANGUP_MS = 2_000;

/** The guest did not answer a control line: it serves no shells, or no longer runs. */
export class ShellControlError extends Error {
  override readonly name = 'ShellControlError';
}

/** A terminal size the guest's `stty` takes: whole, at least 1. */
function sizeLine({ cols, rows }: TerminalSize, id: number): string {
  const clamp = (n: number) => Math.min(9999, Math.max(1, Math.trunc(n) || 1));
  return `size ${clamp(cols)} ${clamp(rows)} ${id}\n`;
}

interface Pending {
  resolve(): void;
  reject(err: Error): void;
}

/**
 * The control port of a guest's shells (scripts/vm-image.sh): sizes written until the guest
 * answers them, a hang-up, and the guest's word that the shell has ended.
 */
export class ShellControl {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private exited = false;
  private readonly exitListeners: (() => void)[] = [];

  constructor(private readonly socket: Duplex) {
    createInterface({ input: socket, crlfDelay: Infinity }).on('line', (line) => {
      const [word, id] = line.trim().split(' ');
      if (word === 'resized') this.pending.get(Number(id))?.resolve();
      else if (word === 'exited') this.end();
    });
    // The VM gone (or the socket closed) ends the shell as well.
    socket.on('close', () => this.end());
    socket.on('error', () => undefined);
  }

  /** Whether the shell has ended (or its VM gone). */
  get hasExited(): boolean {
    return this.exited;
  }

  onExit(listener: () => void): void {
    if (this.exited) listener();
    else this.exitListeners.push(listener);
  }

  /** Resolves once the guest's terminal has the size; ShellControlError if it does not answer. */
  resize(size: TerminalSize): Promise<void> {
    if (this.exited) return Promise.reject(new ShellControlError('the shell has ended'));
    const id = this.nextId++;
    const line = sizeLine(size, id);
    return new Promise<void>((resolve, reject) => {
      const repeat = setInterval(() => this.socket.write(line), REPEAT_MS);
      const timeout = setTimeout(
        () => settle(new ShellControlError(`no answer to a size in ${ANSWER_MS} ms`)),
        ANSWER_MS,
      );
      const settle = (err?: Error) => {
        clearInterval(repeat);
        clearTimeout(timeout);
        this.pending.delete(id);
        if (err) reject(err);
        else resolve();
      };
      this.pending.set(id, { resolve: () => settle(), reject: settle });
      this.socket.write(line);
    });
  }

  /** Hangs the shell up and resolves once it has ended, or after HANGUP_MS. */
  async hangUp(): Promise<void> {
    if (this.exited) return;
    this.socket.write('hangup\n');
    await Promise.race([
      new Promise<void>((resolve) => this.onExit(resolve)),
      new Promise((resolve) => setTimeout(resolve, HANGUP_MS).unref()),
    ]);
  }

  close(): void {
    this.socket.destroy();
  }

  private end(): void {
    if (this.exited) return;
    this.exited = true;
    for (const pending of [...this.pending.values()]) {
      pending.reject(new ShellControlError('the shell has ended'));
    }
    for (const listener of this.exitListeners.splice(0)) listener();
  }
}

/**
 * A shell's terminal: bytes to and from the guest's shell port. What is typed after a resize
 * reaches the shell once the guest has applied the size, so `stty size` right after it is right.
 * The stream ends when the shell exits; destroyed (the user left), it hangs the shell up.
 */
export class SerialShellStream extends Duplex {
  /** The last size written: later input waits for it. */
  private sized: Promise<void> = Promise.resolve();
  private ended = false;

  constructor(
    private readonly shell: Duplex,
    private readonly control: ShellControl,
  ) {
    super();
    shell.on('data', (chunk: Buffer) => {
      if (!this.ended && !this.push(chunk)) shell.pause();
    });
    shell.on('error', (err) => this.destroy(err));
    shell.on('close', () => this.endOutput());
    // The guest tells of the end once the shell's last output is sent; it may still be on its way.
    control.onExit(() => setTimeout(() => this.endOutput(), SETTLE_MS));
  }

  private endOutput(): void {
    if (this.ended) return;
    this.ended = true;
    this.push(null);
  }

  resize(size: TerminalSize): void {
    // A size the guest did not answer holds nothing up: the shell is still usable.
    this.sized = this.control.resize(size).catch(() => undefined);
  }

  override _read(): void {
    this.shell.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error) => void): void {
    void this.sized.then(() => {
      if (this.control.hasExited) done();
      else this.shell.write(chunk, (err) => done(err ?? undefined));
    });
  }

  override _destroy(err: Error | null, done: (err: Error | null) => void): void {
    void this.control.hangUp().finally(() => {
      this.control.close();
      this.shell.destroy();
      done(err);
    });
  }
}

/**
 * Connects to the shell a rank's guest serves (scripts/vm-image.sh): its terminal port first, so
 * the prompt the guest redraws on the first size is seen, then the control port, whose answer to
 * that size says a shell is there. FailedPrecondition with `refusal` when none answers.
 */
export async function connectSerialShell(
  sockets: ShellSockets,
  size: TerminalSize | null,
  refusal: string,
): Promise<SessionStream> {
  const { stream: shell } = await connectToRank({ path: sockets.shell }, refusal);
  let control: ShellControl;
  try {
    const { stream } = await connectToRank({ path: sockets.control }, refusal);
    control = new ShellControl(stream);
  } catch (err) {
    shell.destroy();
    throw err;
  }
  const stream = new SerialShellStream(shell, control);
  try {
    await control.resize(size ?? { cols: 80, rows: 24 });
  } catch (err) {
    stream.destroy();
    if (err instanceof ShellControlError) throw new FailedPreconditionError(refusal);
    throw err;
  }
  return { stream, resize: (next) => stream.resize(next) };
}
