import type { Writable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { PendingWrites } from './pending-writes.js';

/** A socket that records each write it is handed. */
function socket() {
  const writes: string[] = [];
  const fake = { destroyed: false, write: (chunk: Buffer) => writes.push(chunk.toString()) };
  return { writes, fake, stream: fake as unknown as Writable };
}

const settled = async () => {
  for (let i = 0; i < 100; i++) await nextTurn();
};

describe('PendingWrites', () => {
  it('hands a socket what was queued for it since its last write in one write, in order', async () => {
    const s = socket();
    const pending = new PendingWrites(s.stream);
    pending.push(Buffer.from('line\n'));
    pending.push(Buffer.from('update\n'));
    expect(pending.bytes).toBe(12);
    expect(s.writes).toEqual([]);
    await settled();
    expect(s.writes).toEqual(['line\nupdate\n']);
    expect(pending.bytes).toBe(0);
    pending.push(Buffer.from('next\n'));
    await settled();
    expect(s.writes).toEqual(['line\nupdate\n', 'next\n']);
  });

  it('writes to many sockets a batch per turn, letting other work in between', async () => {
    const sockets = Array.from({ length: 1000 }, socket);
    const shared = Buffer.from('message');
    for (const s of sockets) new PendingWrites(s.stream).push(shared);
    await nextTurn();
    const afterOneTurn = sockets.filter((s) => s.writes.length > 0).length;
    expect(afterOneTurn).toBeGreaterThan(0);
    expect(afterOneTurn).toBeLessThan(1000);
    await settled();
    for (const s of sockets) expect(s.writes).toEqual(['message']);
  });

  it('writes at once when flushed, and nothing to a socket that has gone', async () => {
    const s = socket();
    const pending = new PendingWrites(s.stream);
    pending.push(Buffer.from('before the end'));
    pending.flush();
    expect(s.writes).toEqual(['before the end']);
    pending.push(Buffer.from('too late'));
    s.fake.destroyed = true;
    await settled();
    expect(s.writes).toEqual(['before the end']);
  });
});
