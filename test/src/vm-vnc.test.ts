import type { JobSpecificationInput } from '@ucloud/contracts';
import { describe, expect, it } from 'vitest';
import { errorOf, waitForJob } from './harness.js';
import { RfbClient } from './rfb-client.js';
import { useVmStack, VM_PRODUCT, vmHost } from './vm-harness.js';

const host = vmHost();

const vmBatch = (value: string, lines: number): JobSpecificationInput => ({
  application: { name: 'vm-batch', version: '1.0.0' },
  product: VM_PRODUCT,
  allowDuplicateJob: true,
  parameters: { value: { type: 'text', value }, lines: { type: 'integer', value: lines } },
});

describe.skipIf(!host.ok)('VNC into a VM, through the gateway as VNC over WebSocket', () => {
  const stack = useVmStack(host, undefined, { extraUsers: ['other:other-token-0001'] });
  const client = stack.client();
  const other = stack.client('other-token-0001');

  const openVnc = async (id: string) => {
    const { responses } = await client.jobs.openInteractiveSession.mutate({
      items: [{ id, rank: 0, sessionType: 'VNC' }],
    });
    const { session } = responses[0]!;
    if (session.type !== 'vnc') throw new Error(`got a ${session.type} session`);
    return session;
  };

  it('answers the RFB handshake with the session password and sends the screen; only once, only while the job runs, only to its user', async () => {
    const id = (await client.jobs.create.mutate({ items: [vmBatch('desktop', 600)] })).responses[0]!
      .id;
    await waitForJob(client, id, (j) => j.status.state === 'RUNNING', 60_000);

    const session = await openVnc(id);
    expect(session.url).toMatch(
      /^ws:\/\/127\.0\.0\.1:\d+\/ucloud\/example\/vnc\/[A-Za-z0-9_-]{32}$/,
    );
    expect(session.password).toMatch(/^.{1,8}$/);
    const rfb = await RfbClient.connect(session.url);
    expect(await rfb.version()).toMatch(/^RFB 003\.00\d$/);
    expect(await rfb.authenticate(session.password!)).toBe(true);
    const screen = await rfb.init();
    expect(screen.width).toBeGreaterThan(0);
    expect(screen.height).toBeGreaterThan(0);
    expect(await rfb.framebufferUpdate(screen.width, screen.height)).toBeGreaterThan(0);

    // The link opened once; a second use is refused before the upgrade.
    await expect(RfbClient.connect(session.url)).rejects.toThrow('refused with 403');
    // A wrong password is the VNC server's to refuse.
    const wrong = await RfbClient.connect((await openVnc(id)).url);
    await wrong.version();
    expect(await wrong.authenticate('not-it')).toBe(false);
    wrong.close();

    // Another user cannot open a session to the job at all.
    const refused = await errorOf(
      other.jobs.openInteractiveSession.mutate({ items: [{ id, rank: 0, sessionType: 'VNC' }] }),
    );
    expect(refused.data?.code).toBe('NOT_FOUND');

    // An open session closes when the job ends; a link opened before the end no longer opens.
    const unused = await openVnc(id);
    await client.jobs.terminate.mutate({ items: [{ id }] });
    const closed = await rfb.whenClosed(20_000);
    expect(closed.code).toBe(1000);
    await waitForJob(client, id, (j) => j.status.state === 'SUCCESS', 60_000);
    await expect(RfbClient.connect(unused.url)).rejects.toThrow('refused with 403');
    const ended = await errorOf(openVnc(id));
    expect(ended.message).toMatch(/sessions open to RUNNING jobs/);
  });
});
