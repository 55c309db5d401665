import { randomBytes } from 'node:crypto';
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
const SHELL_CALL = `jobs.compute.${PROVIDER_ID}.shell.open`;

/** What a WebSocket client sees: the messages, then how it closed, or the HTTP refusal. */
interface Seen {
  messages: string[];
  close: { code: number; reason: string } | null;
  refused: number | null;
}

/** Connects, sends `send` (one frame each, after the previous answer when `stepwise`), and watches. */
function connect(url: string, send: string[] = [], stepwise = false): Promise<Seen> {
  return new Promise((resolve) => {
    const seen: Seen = { messages: [], close: null, refused: null };
    const queue = [...send];
    const socket = new WebSocket(url);
    const next = () => {
      const frame = queue.shift();
      if (frame !== undefined) socket.send(stepwise ? frame : Buffer.from(frame));
    };
    socket.on('open', () => {
      if (stepwise) next();
      else while (queue.length > 0) next();
    });
    socket.on('message', (data: Buffer) => {
      seen.messages.push(data.toString());
      if (stepwise) next();
    });
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

describe('sessions served by the gateway', () => {
  let vm: FakePlugin;
  let orchestrator: FakeOrchestrator;
  let gw: RunningGateway;

  beforeAll(async () => {
    vm = await FakePlugin.start({ name: 'vm', products: [fakeProduct('example-compute-1')] });
    orchestrator = await FakeOrchestrator.start(TOKEN, PROVIDER_ID);
    gw = await startGateway([vm], orchestrator.url, { sessionCheckMs: 50 });
    await waitFor(() => [...gw.gateway.pumps.values()].every((p) => p.state === 'live'), 'plugin');
  });
  afterAll(async () => {
    await gw.stop();
    await vm.stop();
    await orchestrator.stop();
  });

  /** Opens a session as the orchestrator would: a ticket recorded for the user, sent along. */
  const open = async (jobId: string, sessionType: 'VNC' | 'SHELL', rank = 0) => {
    const ticket = randomBytes(24).toString('base64url');
    const sessionId = `s-${ticket.slice(0, 6)}`;
    orchestrator.state.sessions.set(ticket, {
      sessionId,
      jobId,
      rank,
      sessionType,
      username: 'user',
    });
    const res = await gw.call(routes.openInteractiveSession, {
      items: [{ job: fakeJob(jobId), rank, sessionType, ticket }],
    });
    expect(res.status).toBe(200);
    const { responses } = (await res.json()) as {
      responses: Array<{ url?: string; password?: string | null; sessionIdentifier?: string }>;
    };
    return { ...responses[0]!, ticket, sessionId };
  };

  it("answers VNC with a WebSocket link and the plugin's password, and relays both ways", async () => {
    const session = await open('21', 'VNC');
    expect(session.password).toBe('pw-21-0');
    expect(session.url).toBe(
      `${gw.url.replace('http:', 'ws:')}/ucloud/${PROVIDER_ID}/vnc/${session.ticket}`,
    );
    // No provider token: a user's browser connects with the link alone.
    const seen = await connect(session.url!, ['RFB 003.008\n', 'bye']);
    expect(seen.messages).toEqual(['session 21/0\n', 'RFB 003.008\n']);
    expect(seen.close).toEqual({ code: 1000, reason: 'The session has ended' });
    await waitFor(
      () => orchestrator.state.closed.some((c) => c.id === session.sessionId),
      'the close to be reported',
    );
  });

  it('refuses a VNC link used before, and one never issued, before upgrading', async () => {
    const session = await open('22', 'VNC');
    await connect(session.url!, ['bye']);
    expect((await connect(session.url!)).refused).toBe(403);
    const forged = session.url!.replace(/[^/]+$/, 'A'.repeat(32));
    expect((await connect(forged)).refused).toBe(403);
  });

  it("closes a VNC socket with 4409 and the plugin's reason when the job does not run", async () => {
    const session = await open('ended', 'VNC');
    const seen = await connect(session.url!);
    expect(seen.messages).toEqual([]);
    expect(seen.close).toEqual({ code: 4409, reason: 'Job ended is not running' });
  });

  it("speaks UCloud's shell protocol: initialize with the ticket, input, resize, the end", async () => {
    const session = await open('31', 'SHELL', 1);
    expect(session.sessionIdentifier).toBe(session.ticket);
    const frame = (payload: unknown) =>
      JSON.stringify({ call: SHELL_CALL, streamId: '7', payload });
    const seen = await connect(
      `${gw.url.replace('http:', 'ws:')}/ucloud/${PROVIDER_ID}/websocket`,
      [
        frame({ type: 'initialize', sessionIdentifier: session.ticket, cols: 80, rows: 24 }),
        frame({ type: 'input', data: 'echo hi' }),
        frame({ type: 'resize', cols: 100, rows: 40 }),
        frame({ type: 'input', data: 'bye' }),
      ],
      true,
    );
    expect(seen.messages.map((m) => JSON.parse(m) as unknown)).toEqual([
      { type: 'message', streamId: '7', payload: { type: 'initialize' } },
      { type: 'message', streamId: '7', payload: { type: 'data', data: 'session 31/1\n' } },
      { type: 'message', streamId: '7', payload: { type: 'data', data: 'echo hi' } },
      { type: 'response', streamId: '7', status: 200, payload: { type: 'ack' } },
    ]);
    expect(seen.close?.code).toBe(1000);
    expect(vm.sessions.at(-1)).toMatchObject({
      jobId: '31',
      rank: 1,
      size: { cols: 80, rows: 24 },
    });
  });

  it('answers a shell whose ticket is refused with a 403 response frame', async () => {
    const frame = JSON.stringify({
      call: SHELL_CALL,
      streamId: '8',
      payload: { type: 'initialize', sessionIdentifier: 'B'.repeat(32) },
    });
    const seen = await connect(
      `${gw.url.replace('http:', 'ws:')}/ucloud/${PROVIDER_ID}/websocket`,
      [frame],
    );
    expect(JSON.parse(seen.messages[0]!)).toMatchObject({
      type: 'response',
      streamId: '8',
      status: 403,
      payload: { errorCode: 'FORBIDDEN' },
    });
    expect(seen.close?.code).toBe(4403);
  });

  it('closes a session the orchestrator says must close, and reports it', async () => {
    const session = await open('41', 'VNC');
    orchestrator.state.toClose.push({ id: session.sessionId, reason: 'You no longer have EDIT' });
    const seen = await connect(session.url!);
    expect(seen.close).toEqual({ code: 1000, reason: 'You no longer have EDIT' });
    expect(orchestrator.state.closed).toContainEqual({
      id: session.sessionId,
      reason: 'You no longer have EDIT',
    });
  });
});
