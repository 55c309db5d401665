import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { FailedPreconditionError } from '@ucloud/provider-sdk';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { connectSerialShell } from './serial-shell.js';

const dir = mkdtempSync(join(tmpdir(), 'serial-shell-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sockets = { shell: join(dir, 'shell'), control: join(dir, 'shellctl') };

/** A guest's two ports: what the plugin writes on each, and the connections to answer on. */
interface FakeGuest {
  typed: string[];
  control: string[];
  shell: Promise<Socket>;
  ctl: Promise<Socket>;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

const accepted = (server: Server) =>
  new Promise<Socket>((resolve) => server.once('connection', resolve));

/** Listens as QEMU would; `answer` gives the reply to a control line, if any. */
async function fakeGuest(answer: (line: string) => string | null): Promise<FakeGuest> {
  const shellServer = createServer();
  const ctlServer = createServer();
  const typed: string[] = [];
  const control: string[] = [];
  const shell = accepted(shellServer).then((socket) => {
    socket.on('data', (chunk: Buffer) => typed.push(chunk.toString()));
    return socket;
  });
  const ctl = accepted(ctlServer).then((socket) => {
    createInterface({ input: socket }).on('line', (line) => {
      control.push(line);
      const reply = answer(line);
      if (reply !== null) socket.write(`${reply}\n`);
    });
    return socket;
  });
  for (const [server, path] of [
    [shellServer, sockets.shell],
    [ctlServer, sockets.control],
  ] as const) {
    rmSync(path, { force: true });
    server.listen(path);
    await once(server, 'listening');
    servers.push(server);
  }
  return { typed, control, shell, ctl };
}

const resized = (line: string) => `resized ${line.split(' ')[3] ?? ''}`;

describe('connectSerialShell', () => {
  it('gives the size first, holds input back until a resize is answered, and ends when the shell exits', async () => {
    let hold = false;
    const guest = await fakeGuest((line) => (hold ? null : resized(line)));
    const session = await connectSerialShell(sockets, { cols: 120, rows: 40 }, 'no shell');
    expect(guest.control).toEqual(['size 120 40 1']);

    hold = true;
    session.resize?.({ cols: 90.7, rows: 0 });
    session.stream.write('stty size\n');
    await expect.poll(() => guest.control).toContain('size 90 1 2');
    expect(guest.typed).toEqual([]);
    (await guest.ctl).write('resized 2\n');
    await expect.poll(() => guest.typed.join('')).toBe('stty size\n');

    let output = '';
    session.stream.on('data', (chunk: Buffer) => (output += chunk.toString()));
    (await guest.shell).write('1 90\r\n');
    (await guest.ctl).write('exited\n');
    await once(session.stream, 'end');
    expect(output).toBe('1 90\r\n');
    session.stream.destroy();
    await once(session.stream, 'close');
    expect(guest.control).not.toContain('hangup');
  });

  it('repeats the size until the guest answers: lines sent while it boots are lost', async () => {
    let seen = 0;
    const guest = await fakeGuest((line) => (++seen < 3 ? null : resized(line)));
    const session = await connectSerialShell(sockets, null, 'no shell');
    expect(guest.control).toEqual(['size 80 24 1', 'size 80 24 1', 'size 80 24 1']);
    session.stream.destroy();
    await once(session.stream, 'close');
  });

  it('hangs the shell up when the user leaves', async () => {
    const guest = await fakeGuest((line) => (line === 'hangup' ? 'exited' : resized(line)));
    const session = await connectSerialShell(sockets, null, 'no shell');
    session.stream.destroy();
    await once(session.stream, 'close');
    expect(guest.control).toEqual(['size 80 24 1', 'hangup']);
  });

  it('refuses in the words given when the guest has no shell ports', async () => {
    rmSync(sockets.shell, { force: true });
    await expect(connectSerialShell(sockets, null, 'no shell here')).rejects.toThrow(
      new FailedPreconditionError('no shell here'),
    );
  });
});
