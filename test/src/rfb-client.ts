import { DES } from 'des.js';
import WebSocket from 'ws';

/**
 * Just enough of an RFB (VNC) client, over a WebSocket as noVNC speaks it, to prove a desktop
 * answers: the version handshake, VNC authentication with a password, the server's init, and
 * one framebuffer update.
 */
export class RfbClient {
  private buffered = Buffer.alloc(0);
  private readonly waiters = new Set<() => void>();
  closed: { code: number; reason: string } | null = null;

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, data]);
      this.wake();
    });
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
  }

  /** Connects; rejects with the HTTP status when the upgrade is refused. */
  static connect(url: string): Promise<RfbClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.binaryType = 'nodebuffer';
      const client = new RfbClient(socket);
      socket.once('open', () => resolve(client));
      socket.once('unexpected-response', (_request, response) =>
        reject(new Error(`refused with ${String(response.statusCode)}`)),
      );
      socket.once('error', reject);
    });
  }

  /** The server's banner, e.g. "RFB 003.008". */
  async version(): Promise<string> {
    return (await this.read(12)).toString().trim();
  }

  /** Answers the banner and authenticates with VNC authentication; true when accepted. */
  async authenticate(password: string): Promise<boolean> {
    this.socket.send(Buffer.from('RFB 003.008\n'));
    const count = (await this.read(1))[0]!;
    const types = [...(await this.read(count))];
    if (!types.includes(2))
      throw new Error(`the server offers no VNC authentication: ${types.join(', ')}`);
    this.socket.send(Buffer.from([2]));
    const challenge = await this.read(16);
    this.socket.send(vncResponse(challenge, password));
    return (await this.read(4)).readUInt32BE(0) === 0;
  }

  /** ClientInit, then the ServerInit's framebuffer size and desktop name. */
  async init(): Promise<{ width: number; height: number; name: string }> {
    this.socket.send(Buffer.from([1])); // shared
    const head = await this.read(24);
    const name = await this.read(head.readUInt32BE(20));
    return { width: head.readUInt16BE(0), height: head.readUInt16BE(2), name: name.toString() };
  }

  /** Asks for the whole screen; answers the number of rectangles of the update that comes. */
  async framebufferUpdate(width: number, height: number): Promise<number> {
    const request = Buffer.alloc(10);
    request.writeUInt8(3, 0); // FramebufferUpdateRequest, not incremental
    request.writeUInt16BE(width, 6);
    request.writeUInt16BE(height, 8);
    this.socket.send(request);
    const header = await this.read(4);
    if (header[0] !== 0)
      throw new Error(`expected a FramebufferUpdate, got message ${String(header[0])}`);
    return header.readUInt16BE(2);
  }

  /** Waits until the socket has closed. */
  async whenClosed(timeoutMs = 15_000): Promise<{ code: number; reason: string }> {
    await this.until(() => this.closed !== null, timeoutMs, 'the socket to close');
    return this.closed!;
  }

  close(): void {
    this.socket.close();
  }

  private async read(n: number): Promise<Buffer> {
    await this.until(() => this.buffered.length >= n, 15_000, `${n} bytes`);
    const out = this.buffered.subarray(0, n);
    this.buffered = this.buffered.subarray(n);
    return out;
  }

  private wake(): void {
    for (const waiter of this.waiters) waiter();
  }

  private until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (done()) return Promise.resolve();
    if (this.closed)
      return Promise.reject(new Error(`closed before ${what}: ${JSON.stringify(this.closed)}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const check = () => {
        if (done()) {
          clearTimeout(timer);
          this.waiters.delete(check);
          resolve();
        } else if (this.closed) {
          clearTimeout(timer);
          this.waiters.delete(check);
          reject(new Error(`closed before ${what}: ${JSON.stringify(this.closed)}`));
        }
      };
      this.waiters.add(check);
    });
  }
}

/** VNC authentication: the challenge DES-encrypted with the password (each key byte's bits reversed). */
function vncResponse(challenge: Buffer, password: string): Buffer {
  const key = Buffer.alloc(8);
  Buffer.from(password, 'latin1').copy(key, 0, 0, 8);
  for (let i = 0; i < 8; i++) {
    let b = key[i]!;
    let r = 0;
    for (let bit = 0; bit < 8; bit++) {
      r = (r << 1) | (b & 1);
      b >>= 1;
    }
    key[i] = r;
  }
  const cipher = DES.create({ type: 'encrypt', key, padding: false });
  return Buffer.from([...cipher.update(challenge), ...cipher.final()]);
}
