import { providerRoutes } from '@ucloud/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FakeOrchestrator } from './testing/fake-orchestrator.js';
import { FakePlugin, fakeProduct } from './testing/fake-plugin.js';
import {
  PROVIDER_ID,
  type RunningGateway,
  startGateway,
  TOKEN,
  waitFor,
} from './testing/harness.js';
import { fakeJob } from './testing/jobs.js';

const routes = providerRoutes(PROVIDER_ID);

/** What a WebSocket client sees: the messages, then how it closed, or the HTTP refusal. */
interface Seen {
  messages: string[];
  close: { code: number; reason: string } | null;
  refused: number | null;
}

function connect(url: string, send: string[] = []): Promise<Seen> {
  return new Promise((resolve) => {
    const seen: Seen = { messages: [], close: null, refused: null };
    const socket = new WebSocket(url);
    socket.on('open', () => {
      for (const text of send) socket.send(Buffer.from(text));
    });
    socket.on('message', (data: Buffer) => seen.messages.push(data.toString()));
    socket.on('unexpected-response', (_request, response) => {
      seen.refused = response.statusCode ?? null;
      resolve(seen);
    });
    socket.on('close', (code, reason) => {
      seen.close = { code, reason: reason.toString() };
      resolve(seen);
    });
  });
}

describe('VNC sessions served by the gateway', () => {
  let vm: FakePlugin;
  let orchestrator: FakeOrchestrator;
  let gw: RunningGateway;

  beforeAll(async () => {
    vm = await FakePlugin.start({ name: 'vm', products: [fakeProduct('example-compute-1')] });
    orchestrator = await FakeOrchestrator.start(TOKEN, PROVIDER_ID);
    gw = await startGateway([vm], orchestrator.url);
    await waitFor(() => [...gw.gateway.pumps.values()].every((p) => p.state === 'live'), 'plugin');
  });
  afterAll(async () => {
    await gw.stop();
    await vm.stop();
    await orchestrator.stop();
  });

  const openVnc = async (jobId: string) => {
    const res = await gw.call(routes.openInteractiveSession, {
      items: [{ job: fakeJob(jobId), rank: 0, sessionType: 'VNC' }],
    });
    expect(res.status).toBe(200);
    const { responses } = (await res.json()) as {
      responses: Array<{ type: string; url: string; password: string | null }>;
    };
    return responses[0]!;
  };

  it("answers with a one-time WebSocket link and the plugin's password, and relays both ways", async () => {
    const session = await openVnc('21');
    expect(session.type).toBe('vnc');
    expect(session.password).toBe('pw-21');
    expect(session.url).toMatch(
      new RegExp(`^ws://127\\.0\\.0\\.1:\\d+/ucloud/${PROVIDER_ID}/vnc/[A-Za-z0-9_-]{32}$`),
    );
    // No provider token: a user's browser connects with the link alone.
    const seen = await connect(session.url, ['RFB 003.008\n', 'bye']);
    expect(seen.messages).toEqual(['session 21/0\n', 'RFB 003.008\n']);
    expect(seen.close).toEqual({ code: 1000, reason: 'The session has ended' });
    expect(vm.sessions.at(-1)).toMatchObject({ jobId: '21', rank: 0 });
  });

  it('refuses a link used before, and one never issued, before upgrading', async () => {
    const session = await openVnc('22');
    await connect(session.url, ['bye']);
    expect((await connect(session.url)).refused).toBe(403);
    const forged = session.url.replace(/[^/]+$/, 'A'.repeat(32));
    expect((await connect(forged)).refused).toBe(403);
  });

  it("closes with 4409 and the plugin's reason when the job does not run", async () => {
    const session = await openVnc('ended');
    const seen = await connect(session.url);
    expect(seen.messages).toEqual([]);
    expect(seen.close).toEqual({ code: 4409, reason: 'Job ended is not running' });
  });
});
