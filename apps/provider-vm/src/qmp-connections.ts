import { QmpClient } from './qmp.js';

/**
 * The plugin's QMP connections, one per VM, opened on first use and kept: a QEMU serves one QMP
 * client at a time, and the connection brings the SHUTDOWN event that says why a VM ended.
 */
export class QmpConnections {
  private readonly clients = new Map<string, Promise<QmpClient>>();
  private readonly shutdownReasons = new Map<string, string>();

  /** `onClosed` hears of each connection that closed: its QEMU has usually exited. */
  constructor(private readonly onClosed: (socketPath: string) => void) {}

  /** The connection to the QMP socket at `socketPath`; rejects when QEMU does not answer there. */
  get(socketPath: string): Promise<QmpClient> {
    const existing = this.clients.get(socketPath);
    if (existing) return existing;
    const connecting = QmpClient.connect(socketPath).then((client) => {
      client.onEvent((e) => {
        if (e.event === 'SHUTDOWN' && typeof e.data.reason === 'string') {
          this.shutdownReasons.set(socketPath, e.data.reason);
        }
      });
      void client.closed.then(() => {
        this.drop(socketPath, connecting);
        this.onClosed(socketPath);
      });
      return client;
    });
    connecting.catch(() => this.drop(socketPath, connecting));
    this.clients.set(socketPath, connecting);
    return connecting;
  }

  async execute(socketPath: string, command: string): Promise<unknown> {
    return (await this.get(socketPath)).execute(command);
  }

  /** Why the VM shut down, if its SHUTDOWN event came while this plugin was connected. */
  shutdownReason(socketPath: string): string | null {
    return this.shutdownReasons.get(socketPath) ?? null;
  }

  /** Forgets a VM that has ended and been reported. */
  forget(socketPath: string): void {
    this.shutdownReasons.delete(socketPath);
  }

  /** Closes every connection; the VMs keep running. */
  async closeAll(): Promise<void> {
    const clients = await Promise.allSettled(this.clients.values());
    const open = clients.flatMap((c) => (c.status === 'fulfilled' ? [c.value] : []));
    await Promise.all(open.map((client) => client.close()));
  }

  private drop(socketPath: string, connection: Promise<QmpClient>): void {
    if (this.clients.get(socketPath) === connection) this.clients.delete(socketPath);
  }
}
