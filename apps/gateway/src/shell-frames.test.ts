import { describe, expect, it } from 'vitest';
import { parseShellFrame, shellMessage, shellResponse } from './shell-frames.js';

const call = 'jobs.compute.example.shell.open';
const frame = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('shell frames', () => {
  it("reads UCloud's initialize, input and resize requests", () => {
    const init = {
      call,
      streamId: '1',
      bearer: 'ignored',
      payload: { type: 'initialize', sessionIdentifier: 'T'.repeat(32), cols: 80, rows: 24 },
    };
    expect(parseShellFrame(frame(init), 'example')).toEqual({ ok: true, request: init });
    const input = { call, streamId: '1', payload: { type: 'input', data: 'ls\r' } };
    expect(parseShellFrame(frame(input), 'example')).toEqual({ ok: true, request: input });
    const resize = { call, streamId: '1', payload: { type: 'resize', cols: 100, rows: 40 } };
    expect(parseShellFrame(frame(resize), 'example')).toEqual({ ok: true, request: resize });
  });

  it('says what is wrong with a frame, naming the field', () => {
    expect(parseShellFrame('{', 'example')).toEqual({ ok: false, why: 'The frame is not JSON' });
    const bad = parseShellFrame(
      frame({ call, streamId: '1', payload: { type: 'resize', cols: 0, rows: 40 } }),
      'example',
    );
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.why).toMatch(/payload\.cols/);
    const other = parseShellFrame(
      frame({ call: 'jobs.follow', streamId: '1', payload: { type: 'input', data: '' } }),
      'example',
    );
    expect(other).toEqual({ ok: false, why: `call: this gateway answers ${call}` });
    const extra = parseShellFrame(
      frame({ call, streamId: '1', payload: { type: 'input', data: '', echo: true } }),
      'example',
    );
    expect(!extra.ok && extra.why).toMatch(/echo/);
  });

  it('writes message and response frames', () => {
    expect(JSON.parse(shellMessage('s', { type: 'data', data: 'hi' }))).toEqual({
      type: 'message',
      streamId: 's',
      payload: { type: 'data', data: 'hi' },
    });
    expect(JSON.parse(shellResponse('s', 200, { type: 'ack' }))).toEqual({
      type: 'response',
      streamId: 's',
      status: 200,
      payload: { type: 'ack' },
    });
  });
});
