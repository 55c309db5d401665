import WebSocket from 'ws';

/**
 * A plain WebSocket client of the gateway's shell protocol (UCloud's): what a UCloud client does
 * with the `sessionIdentifier` of an opened shell session. Tests type into it and read back.
 */
export class ShellClient {
  private output = '';
  private readonly waiters = new Set<() => void>();
  private ended: { status: number; payload: unknown } | null = null;
  private closed: { code: number; reason: string } | null = null;

  private constructor(
    private readonly socket: WebSocket,
    private readonly call: string,
  ) {
    socket.on('message', (raw: Buffer) => {
      const frame = JSON.parse(raw.toString()) as {
        type: string;
        status?: number;
        payload: { type?: string; data?: string };
      };
      if (frame.type === 'message' && frame.payload.type === 'data')
        this.output += frame.payload.data ?? '';
      if (frame.type === 'response')
        this.ended = { status: frame.status ?? 0, payload: frame.payload };
      this.wake();
    });
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
  }

  /** Connects to `gatewayUrl`'s shell socket and initializes the session; answers once it is. */
  static async open(
    gatewayUrl: string,
    providerId: string,
    sessionIdentifier: string,
    size: { cols: number; rows: number },
  ): Promise<ShellClient> {
    const url = `${gatewayUrl.replace(/^http/, 'ws')}/ucloud/${providerId}/websocket`;
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const client = new ShellClient(socket, `jobs.compute.${providerId}.shell.open`);
    client.send({ type: 'initialize', sessionIdentifier, ...size });
    return client;
  }

  type(data: string): void {
    this.send({ type: 'input', data });
  }

  resize(cols: number, rows: number): void {
    this.send({ type: 'resize', cols, rows });
  }

  /** Waits until the terminal's output (since the last `clear`) matches `pattern`. */
  async sees(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
    await this.until(
      () => pattern.test(this.output),
      timeoutMs,
      `output matching ${String(pattern)}`,
    );
    return this.output;
  }

  clear(): void {
    this.output = '';
  }

  /** Waits for the response frame that ends the session, then the socket's close. */
  async end(timeoutMs = 20_000): Promise<{ status: number; payload: unknown; code: number }> {
    await this.until(() => this.ended !== null && this.closed !== null, timeoutMs, 'the end');
    return { ...this.ended!, code: this.closed!.code };
  }

  private send(payload: unknown): void {
    this.socket.send(JSON.stringify({ call: this.call, streamId: 'shell', payload }));
  }

  private wake(): void {
    for (const waiter of this.waiters) waiter();
  }

  private until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(
          new Error(
            `no ${what} within ${timeoutMs} ms; output so far: ${JSON.stringify(this.output)}; closed: ${JSON.stringify(this.closed)}`,
          ),
        );
      }, timeoutMs);
      const check = () => {
        if (!done()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }
}
