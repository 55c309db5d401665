import type { JobsFollowResponse } from '@ucloud/contracts';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { acmeBatch, followUntil, stdoutOf, useStack, waitForJob } from './harness.js';

/** jobs.follow over UCloud's WebSocket envelope at /api/jobs, beside the SSE and tRPC faces. */

const stack = useStack({ extraUsers: ['alice:alice-token-123'] });

type Frame =
  | { type: 'message'; streamId: string; payload: JobsFollowResponse }
  | { type: 'response'; streamId: string | null; status: number; payload: unknown };

interface FollowRequest {
  streamId: string;
  id: string;
  bearer?: string | null;
  project?: string | null;
}

/** A socket to the orchestrator that keeps every frame it is sent. */
async function openSocket() {
  const socket = new WebSocket(`${stack.url.replace(/^http/, 'ws')}/api/jobs`);
  const frames: Frame[] = [];
  let waiters: Array<() => void> = [];
  socket.on('message', (data: Buffer) => {
    frames.push(JSON.parse(data.toString()) as Frame);
    const woken = waiters;
    waiters = [];
    for (const wake of woken) wake();
  });
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  return {
    socket,
    frames,
    /** The close code, once the socket has closed. */
    closed,
    follow({ streamId, id, bearer = stack.userToken, project = null }: FollowRequest) {
      socket.send(
        JSON.stringify({ call: 'jobs.follow', streamId, bearer, project, payload: { id } }),
      );
    },
    /** The frames of a stream, once its response has come. */
    async ended(streamId: string, timeoutMs = 60_000): Promise<Frame[]> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const mine = frames.filter((f) => f.streamId === streamId);
        if (mine.some((f) => f.type === 'response')) return mine;
        if (Date.now() > deadline)
          throw new Error(`stream ${streamId} did not end: ${JSON.stringify(mine)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 1_000);
        });
      }
    },
    [Symbol.dispose]: () => socket.close(),
  };
}

const messagesOf = (frames: Frame[]) =>
  frames.flatMap((f) => (f.type === 'message' ? [{ id: undefined, data: f.payload }] : []));

const create = async (value: string, steps: number) =>
  (await stack.client().jobs.create.mutate({ items: [acmeBatch(value, steps)] })).responses[0]!.id;

const output = (value: string, steps: number) =>
  `acme-batch: value=${value} debug=false\n${Array.from(
    { length: steps },
    (_, i) => `step ${i + 1} of ${steps}\n`,
  ).join('')}done\n`;

/** A whole follow: the job's stored updates, its output between RUNNING and its end, then 200. */
function expectWholeFollow(frames: Frame[], streamId: string, stdout: string) {
  const [first] = frames;
  expect(first).toMatchObject({ type: 'message', streamId });
  // The first message holds the job's first stored update, the job as it was then.
  expect(first?.type === 'message' && first.payload).toMatchObject({
    updates: [{ state: 'IN_QUEUE' }],
    log: [],
    newStatus: { state: 'IN_QUEUE', startedAt: null },
  });
  expect(frames.at(-1)).toEqual({
    type: 'response',
    streamId,
    status: 200,
    payload: { updates: [], log: [], newStatus: null },
  });
  expect(frames.filter((f) => f.type === 'response')).toHaveLength(1);
  const messages = messagesOf(frames);
  const kinds = messages.map((m) => m.data.updates[0]?.state ?? 'LOG');
  expect(kinds.filter((k) => k !== 'LOG')).toEqual(['IN_QUEUE', 'RUNNING', 'SUCCESS']);
  expect(kinds.indexOf('LOG')).toBeGreaterThan(kinds.indexOf('RUNNING'));
  expect(kinds.lastIndexOf('LOG')).toBeLessThan(kinds.indexOf('SUCCESS'));
  expect(stdoutOf(messages)).toBe(stdout);
}

describe('following a job over WebSocket', () => {
  it('sends the job, its updates and output in order, then a 200 response; streams share a socket', async () => {
    const [first, second] = [await create('ws-one', 2), await create('ws-two', 1)];
    using ws = await openSocket();
    ws.follow({ streamId: 'one', id: first });
    ws.follow({ streamId: 'two', id: second });
    expectWholeFollow(await ws.ended('one'), 'one', output('ws-one', 2));
    expectWholeFollow(await ws.ended('two'), 'two', output('ws-two', 1));

    // The socket stays open after a response: a follower of the ended job gets all it holds.
    ws.follow({ streamId: 'again', id: first });
    const again = await ws.ended('again');
    expectWholeFollow(again, 'again', output('ws-one', 2));
    // The same updates as the tRPC face gives a follower who comes after the end.
    const trpc = await followUntil(stack.client(), first);
    expect(messagesOf(again).flatMap((m) => m.data.updates)).toEqual(
      trpc.flatMap((e) => e.data.updates),
    );
  });

  it('gives a follower who connects after the job ended its whole history and output', async () => {
    const id = await create('ws-late', 1);
    await waitForJob(stack.client(), id, (j) => j.status.state === 'SUCCESS');
    using ws = await openSocket();
    ws.follow({ streamId: 'late', id });
    expectWholeFollow(await ws.ended('late'), 'late', output('ws-late', 1));
  });

  it('refuses a missing or bad bearer with 401', async () => {
    const id = await create('ws-auth', 0);
    using ws = await openSocket();
    ws.follow({ streamId: 'none', id, bearer: null });
    ws.follow({ streamId: 'bad', id, bearer: 'not-a-token' });
    ws.follow({ streamId: 'provider', id, bearer: stack.providerToken });
    for (const streamId of ['none', 'bad', 'provider'])
      expect(await ws.ended(streamId)).toEqual([
        {
          type: 'response',
          streamId,
          status: 401,
          payload: { why: expect.any(String) as unknown, errorCode: 'UNAUTHORIZED' },
        },
      ]);
  });

  it('answers 404 for another user’s job, an unknown one, or a project the caller is not in', async () => {
    const id = await create('ws-mine', 0);
    using ws = await openSocket();
    ws.follow({ streamId: 'alice', id, bearer: 'alice-token-123' });
    ws.follow({ streamId: 'unknown', id: '999999' });
    ws.follow({ streamId: 'project', id, project: 'no-such-project' });
    for (const streamId of ['alice', 'unknown', 'project']) {
      const [answer] = await ws.ended(streamId);
      expect(answer).toMatchObject({
        type: 'response',
        streamId,
        status: 404,
        payload: { errorCode: 'NOT_FOUND' },
      });
    }
    // Alice is told nothing that tells her job apart from a missing one.
    const payloadOf = (streamId: string) =>
      JSON.stringify(ws.frames.find((f) => f.streamId === streamId)?.payload);
    expect(payloadOf('alice').replace(id, '?')).toBe(payloadOf('unknown').replace('999999', '?'));
  });

  it('refuses a bad envelope on its stream with 400 naming the field, and an unknown call with 404', async () => {
    using ws = await openSocket();
    ws.socket.send(JSON.stringify({ call: 'jobs.follow', streamId: 'empty', payload: { id: '' } }));
    ws.socket.send(JSON.stringify({ call: 'jobs.nothing', streamId: 'call', payload: {} }));
    ws.socket.send('{not json');
    expect(await ws.ended('empty')).toEqual([
      {
        type: 'response',
        streamId: 'empty',
        status: 400,
        payload: { why: 'payload.id: must not be empty', errorCode: 'BAD_REQUEST' },
      },
    ]);
    expect((await ws.ended('call'))[0]).toMatchObject({
      status: 404,
      payload: { why: expect.stringContaining('"jobs.nothing"') as unknown },
    });
    await expect
      .poll(() => ws.frames.find((f) => f.streamId === null))
      .toMatchObject({
        type: 'response',
        status: 400,
        payload: { errorCode: 'BAD_REQUEST' },
      });
  });

  // Last: it restarts the orchestrator.
  it('ends an open stream with 503 when the orchestrator stops; following again misses nothing', async () => {
    const id = await create('ws-restart', 30);
    await waitForJob(stack.client(), id, (j) => j.status.state === 'RUNNING');
    using ws = await openSocket();
    ws.follow({ streamId: 'live', id });
    await expect
      .poll(() => stdoutOf(messagesOf(ws.frames)), { timeout: 30_000 })
      .toContain('step 1 of 30');
    await stack.kill('orchestrator');
    expect((await ws.ended('live')).at(-1)).toEqual({
      type: 'response',
      streamId: 'live',
      status: 503,
      payload: {
        why: 'The server is restarting; follow again from the last event id',
        errorCode: 'SERVICE_UNAVAILABLE',
      },
    });
    expect(await ws.closed).toBe(1001);

    await stack.start('orchestrator');
    using again = await openSocket();
    again.follow({ streamId: 'again', id });
    await expect
      .poll(() => stdoutOf(messagesOf(again.frames)), { timeout: 30_000 })
      .toContain('step 2 of 30');
    const states = messagesOf(again.frames).flatMap((m) => m.data.updates.map((u) => u.state));
    expect(states.slice(0, 2)).toEqual(['IN_QUEUE', 'RUNNING']);
    expect(stdoutOf(messagesOf(again.frames))).toMatch(
      /^acme-batch: value=ws-restart debug=false\nstep 1 of 30\n/,
    );
    await stack.client().jobs.terminate.mutate({ items: [{ id }] });
  });
});
