import { createConnection, type Socket } from 'node:net';
import { InvalidArgumentError } from '@ucloud/provider-sdk';

/**
 * A client for the QEMU Machine Protocol on a unix socket: JSON objects, one a line. The server
 * greets, the client enables commands with `qmp_capabilities`, then each command gets one answer
 * (`return` or `error`) and events (`event`) come in between. A QEMU -qmp socket serves one client
 * at a time: a second connection is not greeted until the first closes.
 */

/** An asynchronous message from QEMU: SHUTDOWN, STOP, RESUME, … */
export interface QmpEvent {
  event: string;
  data: Record<string, unknown>;
  /** When QEMU sent it, in ms since the epoch. */
  timestampMs: number;
}

/** QEMU refused a command; `desc` is its own explanation. */
export class QmpError extends Error {
  override readonly name = 'QmpError';
  constructor(
    readonly command: string,
    readonly errorClass: string,
    readonly desc: string,
  ) {
    super(`QMP ${command}: ${desc}`);
  }
}

/** The connection closed (QEMU exited, or close()) before an answer came. */
export class QmpClosedError extends Error {
  override readonly name = 'QmpClosedError';
}

/** No answer within the time allowed. */
export class QmpTimeoutError extends Error {
  override readonly name = 'QmpTimeoutError';
}

/** QEMU sent something that is not QMP. */
export class QmpProtocolError extends Error {
  override readonly name = 'QmpProtocolError';
}

export interface QmpOptions {
  /** For connecting and for each command unless execute() says otherwise. Default 10 s. */
  timeoutMs?: number;
}

interface Call {
  id: number;
  command: string;
  args: Record<string, unknown> | undefined;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export class QmpClient {
  private buffered = '';
  private nextId = 1;
  /** Commands go one at a time: QEMU answers in order, and one slow command should not be
   *  mistaken for a lost one because others were sent after it. */
  private readonly queue: Call[] = [];
  private inFlight: Call | null = null;
  private readonly listeners = new Set<(event: QmpEvent) => void>();
  private greeted!: { resolve: () => void; reject: (err: Error) => void };
  private readonly greeting = new Promise<void>((resolve, reject) => {
    this.greeted = { resolve, reject };
  });
  private closeReason: Error | null = null;
  /** Resolves once the connection is gone (QEMU exited, or close()). */
  readonly closed: Promise<void>;

  private constructor(
    private readonly socket: Socket,
    private readonly timeoutMs: number,
  ) {
    // Nobody may be waiting for the greeting when the connection closes.
    this.greeting.catch(() => undefined);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.receive(chunk));
    socket.on('error', (err) => {
      this.closeReason ??= new QmpClosedError(`QMP connection failed: ${err.message}`, {
        cause: err,
      });
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.failAll(this.closeReason ?? new QmpClosedError('the QMP connection closed'));
        resolve();
      });
    });
  }

  /** Connects to QEMU's QMP socket and enables commands. */
  static async connect(socketPath: string, options: QmpOptions = {}): Promise<QmpClient> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const client = new QmpClient(createConnection(socketPath), timeoutMs);
    const timer = setTimeout(() => {
      client.greeted.reject(
        new QmpTimeoutError(`no QMP greeting on ${socketPath} within ${timeoutMs} ms`),
      );
    }, timeoutMs);
    try {
      await client.greeting;
      await client.execute('qmp_capabilities');
      return client;
    } catch (err) {
      await client.close();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Runs a command and resolves with its `return` value; rejects with QmpError if QEMU refused it,
   * QmpTimeoutError if no answer came in time (counted from this call, waiting turn included),
   * QmpClosedError if the connection went first.
   */
  execute(
    command: string,
    args?: Record<string, unknown>,
    timeoutMs = this.timeoutMs,
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.socket.destroyed) {
        reject(this.closeReason ?? new QmpClosedError('the QMP connection is closed'));
        return;
      }
      const call: Call = {
        id: this.nextId++,
        command,
        args,
        resolve,
        reject,
        timer: setTimeout(() => this.timeOut(call, timeoutMs), timeoutMs),
      };
      this.queue.push(call);
      this.sendNext();
    });
  }

  /** Calls `listener` with every event from now on; returns a function that stops that. */
  onEvent(listener: (event: QmpEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Closes the connection; calls still waiting reject with QmpClosedError. QEMU keeps running. */
  async close(): Promise<void> {
    this.closeReason ??= new QmpClosedError('the QMP connection was closed');
    this.socket.destroy();
    await this.closed;
  }

  private sendNext(): void {
    if (this.inFlight !== null) return;
    const call = this.queue.shift();
    if (call === undefined) return;
    this.inFlight = call;
    const message = {
      execute: call.command,
      id: call.id,
      ...(call.args && { arguments: call.args }),
    };
    this.socket.write(`${JSON.stringify(message)}\n`);
  }

  private timeOut(call: Call, timeoutMs: number): void {
    const queued = this.queue.indexOf(call);
    if (queued >= 0) this.queue.splice(queued, 1);
    else if (this.inFlight === call) this.inFlight = null;
    else return;
    call.reject(new QmpTimeoutError(`QMP ${call.command}: no answer within ${timeoutMs} ms`));
    // A late answer to it carries its id, which nobody waits for any more, and is dropped.
    this.sendNext();
  }

  private receive(chunk: string): void {
    this.buffered += chunk;
    let newline: number;
    while ((newline = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, newline).trim();
      this.buffered = this.buffered.slice(newline + 1);
      if (line !== '') this.handle(line);
    }
  }

  private handle(line: string): void {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      message = null;
    }
    if (!isRecord(message)) {
      this.closeReason = new QmpProtocolError(`not a QMP message: ${line.slice(0, 200)}`);
      this.socket.destroy();
      return;
    }
    if ('QMP' in message) {
      this.greeted.resolve();
    } else if (typeof message.event === 'string') {
      this.emit(message.event, message);
    } else {
      this.answer(message);
    }
  }

  private emit(name: string, message: Record<string, unknown>): void {
    const { timestamp } = message;
    let timestampMs = Date.now();
    if (isRecord(timestamp)) {
      const { seconds, microseconds } = timestamp;
      if (typeof seconds === 'number' && typeof microseconds === 'number') {
        timestampMs = seconds * 1000 + microseconds / 1000;
      }
    }
    const event: QmpEvent = {
      event: name,
      data: isRecord(message.data) ? message.data : {},
      timestampMs,
    };
    for (const listener of [...this.listeners]) listener(event);
  }

  private answer(message: Record<string, unknown>): void {
    const call = this.inFlight;
    // Answers to calls that timed out carry ids nobody waits for.
    if (call === null || call.id !== message.id) return;
    this.inFlight = null;
    clearTimeout(call.timer);
    if ('return' in message) {
      call.resolve(message.return);
    } else {
      const error = isRecord(message.error) ? message.error : {};
      const errorClass = typeof error.class === 'string' ? error.class : 'GenericError';
      const desc = typeof error.desc === 'string' ? error.desc : JSON.stringify(message);
      call.reject(new QmpError(call.command, errorClass, desc));
    }
    this.sendNext();
  }

  private failAll(err: Error): void {
    this.greeted.reject(err);
    const calls = this.inFlight === null ? [...this.queue] : [this.inFlight, ...this.queue];
    this.inFlight = null;
    this.queue.length = 0;
    for (const call of calls) {
      clearTimeout(call.timer);
      call.reject(err);
    }
  }
}

/** What `query-status` says: `status` is QEMU's run state (running, paused, shutdown, …). */
export interface VmStatus {
  running: boolean;
  status: string;
}

export async function queryStatus(qmp: QmpClient): Promise<VmStatus> {
  const result = await qmp.execute('query-status');
  if (
    !isRecord(result) ||
    typeof result.running !== 'boolean' ||
    typeof result.status !== 'string'
  ) {
    throw new QmpProtocolError(`query-status answered ${JSON.stringify(result)}`);
  }
  return { running: result.running, status: result.status };
}

/**
 * Sets the VNC password (QEMU started with `password=on` refuses every client until then). VNC's
 * authentication uses the first 8 characters only, so longer passwords are refused here.
 */
export async function setVncPassword(qmp: QmpClient, password: string): Promise<void> {
  if (password.length === 0 || password.length > 8) {
    throw new InvalidArgumentError('a VNC password has 1 to 8 characters');
  }
  await qmp.execute('set_password', { protocol: 'vnc', password });
}
