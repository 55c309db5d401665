import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  QmpClient,
  QmpClosedError,
  QmpError,
  QmpTimeoutError,
  queryStatus,
  type QmpEvent,
} from './qmp.js';

interface Command {
  execute: string;
  id: unknown;
  arguments?: Record<string, unknown>;
}

/**
 * A QMP server in the test: greets, accepts qmp_capabilities, and hands every other command to
 * `onCommand`, which answers through `reply` (or not at all).
 */
async function fakeQemu(
  onCommand: (command: Command, peer: Socket) => void,
): Promise<{ path: string; server: Server; received: Command[] }> {
  const path = join(dir, `qmp-${Math.random().toString(36).slice(2)}.sock`);
  const received: Command[] = [];
  const server = createServer((peer) => {
    peer.write(`${JSON.stringify({ QMP: { version: {}, capabilities: [] } })}\n`);
    let buffered = '';
    peer.on('data', (chunk) => {
      buffered += chunk.toString();
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const command = JSON.parse(buffered.slice(0, newline)) as Command;
        buffered = buffered.slice(newline + 1);
        received.push(command);
        if (command.execute === 'qmp_capabilities') reply(peer, command, {});
        else onCommand(command, peer);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  servers.push(server);
  return { path, server, received };
}

function reply(peer: Socket, command: Command, value: unknown): void {
  peer.write(`${JSON.stringify({ return: value, id: command.id })}\n`);
}

function event(peer: Socket, name: string, data?: Record<string, unknown>): void {
  const timestamp = { seconds: 1700000000, microseconds: 500000 };
  peer.write(`${JSON.stringify({ event: name, data, timestamp })}\n`);
}

const dir = mkdtempSync(join(tmpdir(), 'qmp-test-'));
const servers: Server[] = [];
const clients: QmpClient[] = [];

async function connect(path: string, timeoutMs?: number): Promise<QmpClient> {
  const client = await QmpClient.connect(path, { timeoutMs });
  clients.push(client);
  return client;
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  for (const server of servers.splice(0)) server.close();
});

describe('QmpClient', () => {
  it('enables commands, then returns what a command returns', async () => {
    const qemu = await fakeQemu((command, peer) =>
      reply(peer, command, { running: true, singlestep: false, status: 'running' }),
    );
    const qmp = await connect(qemu.path);
    expect(await queryStatus(qmp)).toEqual({ running: true, status: 'running' });
    expect(qemu.received.map((c) => c.execute)).toEqual(['qmp_capabilities', 'query-status']);
  });

  it('sends arguments and throws QmpError with QEMU’s description', async () => {
    const qemu = await fakeQemu((command, peer) =>
      peer.write(
        `${JSON.stringify({ error: { class: 'GenericError', desc: 'Could not set password' }, id: command.id })}\n`,
      ),
    );
    const qmp = await connect(qemu.path);
    const error = await qmp.execute('set_password', { protocol: 'vnc', password: 'x' }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(QmpError);
    expect(error).toMatchObject({ command: 'set_password', desc: 'Could not set password' });
    expect(qemu.received[1]?.arguments).toEqual({ protocol: 'vnc', password: 'x' });
  });

  it('passes events to subscribers, not as answers', async () => {
    const qemu = await fakeQemu((command, peer) => {
      event(peer, 'STOP');
      reply(peer, command, {});
      event(peer, 'SHUTDOWN', { guest: true, reason: 'guest-shutdown' });
    });
    const qmp = await connect(qemu.path);
    const events: QmpEvent[] = [];
    const unsubscribe = qmp.onEvent((e) => events.push(e));
    expect(await qmp.execute('stop')).toEqual({});
    await expect.poll(() => events.length).toBe(2);
    expect(events[0]).toEqual({ event: 'STOP', data: {}, timestampMs: 1700000000500 });
    expect(events[1]?.data).toEqual({ guest: true, reason: 'guest-shutdown' });
    unsubscribe();
    await qmp.execute('cont');
    expect(events).toHaveLength(2);
  });

  it('sends one command at a time, the next once the last is answered', async () => {
    const pending: Array<() => void> = [];
    const qemu = await fakeQemu((command, peer) =>
      pending.push(() => reply(peer, command, command.execute)),
    );
    const qmp = await connect(qemu.path);
    const first = qmp.execute('first');
    const second = qmp.execute('second');
    await expect.poll(() => pending.length).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(qemu.received.map((c) => c.execute)).toEqual(['qmp_capabilities', 'first']);
    pending.shift()?.();
    expect(await first).toBe('first');
    await expect.poll(() => pending.length).toBe(1);
    pending.shift()?.();
    expect(await second).toBe('second');
  });

  it('times a command out and drops its late answer', async () => {
    const late: Array<() => void> = [];
    const qemu = await fakeQemu((command, peer) => {
      if (command.execute === 'slow') late.push(() => reply(peer, command, 'slow'));
      else reply(peer, command, command.execute);
    });
    const qmp = await connect(qemu.path);
    await expect(qmp.execute('slow', undefined, 50)).rejects.toThrow(QmpTimeoutError);
    const next = qmp.execute('next');
    late.shift()?.();
    expect(await next).toBe('next');
  });

  it('rejects waiting and later calls when QEMU goes away', async () => {
    const qemu = await fakeQemu((_command, peer) => peer.destroy());
    const qmp = await connect(qemu.path);
    await expect(qmp.execute('quit')).rejects.toThrow(QmpClosedError);
    await qmp.closed;
    await expect(qmp.execute('query-status')).rejects.toThrow(QmpClosedError);
  });

  it('fails to connect where nothing listens, or nothing greets', async () => {
    await expect(connect(join(dir, 'nothing.sock'))).rejects.toThrow(
      /QMP connection failed: .*ENOENT/,
    );
    const path = join(dir, 'silent.sock');
    const silent = createServer(() => undefined);
    servers.push(silent);
    await new Promise<void>((resolve) => silent.listen(path, resolve));
    await expect(connect(path, 100)).rejects.toThrow(QmpTimeoutError);
  });
});
