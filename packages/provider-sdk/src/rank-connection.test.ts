import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { FailedPreconditionError } from './errors.js';
import { connectToRank } from './rank-connection.js';

describe('connectToRank', () => {
  it('is a byte stream to the server', async () => {
    const server = createServer((socket) => socket.pipe(socket)).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    const { stream } = await connectToRank({ port, host: '127.0.0.1' }, 'no answer');
    stream.write('ping');
    const [echo] = (await once(stream, 'data')) as [Buffer];
    expect(echo.toString()).toBe('ping');
    stream.destroy();
    server.close();
  });

  it("refuses in the user's words when nothing answers", async () => {
    await expect(
      connectToRank({ path: '/nonexistent/ucloud.sock' }, 'The VNC server does not answer'),
    ).rejects.toThrow(new FailedPreconditionError('The VNC server does not answer'));
  });
});
