import { describe, expect, it } from 'vitest';
import { readRequestFrame, type ReadFrame } from './ws-envelope.js';

const frame = (envelope: unknown) => readRequestFrame(JSON.stringify(envelope));

const refusal = (read: ReadFrame) => {
  if (read.ok) throw new Error(`expected a refusal, got ${JSON.stringify(read.request)}`);
  return { streamId: read.streamId, status: read.error.httpStatus, why: read.error.message };
};

describe('reading a request frame', () => {
  it('reads a jobs.follow request', () => {
    expect(
      frame({
        call: 'jobs.follow',
        streamId: 's1',
        bearer: 'token',
        project: 'p1',
        payload: { id: '42' },
      }),
    ).toEqual({
      ok: true,
      request: {
        call: 'jobs.follow',
        streamId: 's1',
        bearer: 'token',
        project: 'p1',
        payload: { id: '42' },
      },
    });
  });

  it('takes a missing or null bearer and project, and ignores the envelope keys UCloud adds', () => {
    const read = frame({
      call: 'jobs.follow',
      streamId: 's1',
      project: null,
      causedBy: null,
      signedIntent: null,
      payload: { id: '42' },
    });
    expect(read.ok && read.request).toEqual({
      call: 'jobs.follow',
      streamId: 's1',
      project: null,
      payload: { id: '42' },
    });
  });

  it('refuses what is not JSON, without a stream to answer on', () => {
    expect(refusal(readRequestFrame('{"call": '))).toMatchObject({ streamId: null, status: 400 });
    expect(refusal(readRequestFrame('{"call": ')).why).toMatch(/^The frame is not valid JSON: /);
  });

  it('names the field of a bad envelope, answering on its stream when it has one', () => {
    expect(refusal(frame({ streamId: 's1', payload: {} }))).toEqual({
      streamId: 's1',
      status: 400,
      why: 'call: Invalid input: expected string, received undefined',
    });
    expect(refusal(frame({ call: 'jobs.follow', streamId: 7, payload: {} }))).toMatchObject({
      streamId: null,
      status: 400,
      why: expect.stringMatching(/^streamId: /) as unknown,
    });
    expect(refusal(frame([1, 2]))).toMatchObject({ streamId: null, status: 400 });
    // Every frame of a stream repeats its id: a long one is not echoed.
    expect(
      refusal(frame({ call: 'jobs.follow', streamId: 'x'.repeat(201), payload: { id: '1' } })),
    ).toEqual({
      streamId: null,
      status: 400,
      why: 'streamId: must be at most 200 characters',
    });
  });

  it('names the payload field, and refuses keys the payload does not take', () => {
    expect(refusal(frame({ call: 'jobs.follow', streamId: 's1', payload: { id: '' } }))).toEqual({
      streamId: 's1',
      status: 400,
      why: 'payload.id: must not be empty',
    });
    expect(refusal(frame({ call: 'jobs.follow', streamId: 's1', payload: null })).why).toMatch(
      /^payload: /,
    );
    expect(
      refusal(
        frame({ call: 'jobs.follow', streamId: 's1', payload: { id: '1', lastEventId: 'x' } }),
      ).why,
    ).toMatch(/^payload: .*lastEventId/);
  });

  it('refuses an unknown call with a 404 naming it', () => {
    expect(refusal(frame({ call: 'jobs.create', streamId: 's1', payload: {} }))).toEqual({
      streamId: 's1',
      status: 404,
      why: 'call: no call "jobs.create" on this socket (it serves jobs.follow)',
    });
    // Not a key of every object: no call named like Object.prototype's members.
    expect(refusal(frame({ call: 'toString', streamId: 's1', payload: {} })).status).toBe(404);
  });
});
