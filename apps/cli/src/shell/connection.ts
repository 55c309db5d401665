import WebSocket from 'ws';

/** How a shell session ended: the gateway's response (200: the shell exited), or only the socket's close. */
export interface ShellEnd {
  /** The `response` frame's status; null when the socket closed without one. */
  status: number | null;
  /** Why, when the gateway said (a refused ticket, a closed session). */
  why: string | null;
  code: number;
  reason: string;
}

interface ShellFrame {
  type?: string;
  status?: number;
  payload?: { type?: string; data?: string; why?: string };
}

/** The gateway takes at most 64 KiB of input per frame; a paste is sent in pieces. */
const INPUT_PIECE = 16 * 1024;

/**
 * A terminal session in a job's rank over UCloud's shell protocol, on the gateway's WebSocket
 * (README "Shells over WebSocket"): initialize with the session's identifier and the terminal's
 * size, then input and resize frames; the gateway sends the terminal's output as data frames and
 * a response frame when the shell ends. It knows no TTY: the `shell` command attaches one.
 */
export class ShellConnection {
  private readonly listeners = new Set<(data: string) => void>();
  private response: { status: number; why: string | null } | null = null;
  /** Settles when the session has ended and the socket is closed. */
  readonly ended: Promise<ShellEnd>;

  private constructor(
    private readonly socket: WebSocket,
    private readonly call: string,
  ) {
    socket.on('message', (raw: Buffer) => {
      let frame: ShellFrame;
      try {
        frame = JSON.parse(raw.toString()) as ShellFrame;
      } catch {
        return;
      }
      if (frame.type === 'message' && frame.payload?.type === 'data' && frame.payload.data)
        for (const listener of this.listeners) listener(frame.payload.data);
      if (frame.type === 'response')
        this.response = { status: frame.status ?? 0, why: frame.payload?.why ?? null };
    });
    this.ended = new Promise((resolve) => {
      socket.once('close', (code, reason) => {
        resolve({
          status: this.response?.status ?? null,
          why: this.response?.why ?? null,
          code,
          reason: reason.toString(),
        });
      });
    });
  }

  /**
   * Connects to the shell socket of `providerId`'s gateway at `providerDomain` (ws:// for
   * http://) and initializes the session of `sessionIdentifier` at `size`.
   */
  static async open(options: {
    providerDomain: string;
    providerId: string;
    sessionIdentifier: string;
    size: { cols: number; rows: number };
  }): Promise<ShellConnection> {
    const base = options.providerDomain.replace(/^http/, 'ws').replace(/\/+$/, '');
    const socket = new WebSocket(`${base}/ucloud/${options.providerId}/websocket`);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => {
        socket.off('error', reject);
        resolve();
      });
      socket.once('error', reject);
    });
    // After the handshake an error always comes with a close, which `ended` reports.
    socket.on('error', () => undefined);
    const connection = new ShellConnection(socket, `jobs.compute.${options.providerId}.shell.open`);
    connection.send({
      type: 'initialize',
      sessionIdentifier: options.sessionIdentifier,
      ...options.size,
    });
    return connection;
  }

  /** Calls `listener` with each piece of the terminal's output. */
  onData(listener: (data: string) => void): void {
    this.listeners.add(listener);
  }

  input(data: string): void {
    for (let at = 0; at < data.length; at += INPUT_PIECE)
      this.send({ type: 'input', data: data.slice(at, at + INPUT_PIECE) });
  }

  resize(cols: number, rows: number): void {
    this.send({ type: 'resize', cols, rows });
  }

  close(): void {
    this.socket.close(1000);
  }

  private send(payload: object): void {
    if (this.socket.readyState === WebSocket.OPEN)
      this.socket.send(JSON.stringify({ call: this.call, streamId: 'shell', payload }));
  }
}
