import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type JournalEvent } from './backend.js';
import { EventJournal } from './journal.js';

let dir: string;
let file: string;
const open: EventJournal[] = [];

function openJournal(): EventJournal {
  const journal = EventJournal.open(file);
  open.push(journal);
  return journal;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'journal-'));
  file = join(dir, 'events.db');
});

afterEach(() => {
  for (const j of open.splice(0)) j.close();
  rmSync(dir, { recursive: true, force: true });
});

async function take(
  source: AsyncIterator<JournalEvent>,
  n: number,
  onEach?: (e: JournalEvent, i: number) => void,
): Promise<JournalEvent[]> {
  const out: JournalEvent[] = [];
  for (let i = 0; i < n; i++) {
    const next = await source.next();
    if (next.done) break;
    out.push(next.value);
    onEach?.(next.value, i);
  }
  return out;
}

describe('EventJournal', () => {
  it('numbers events 1, 2, 3 and stores every field', () => {
    const journal = openJournal();
    const a = journal.append({ jobId: 'j1', state: 'RUNNING', status: 'Your job is now running!' });
    const b = journal.append({ jobId: 'j1', newExpiresAt: 1234, expectedState: 'RUNNING' });
    const c = journal.append({ jobId: 'j2', state: 'SUCCESS', providerGeneratedId: 'p-2' });
    expect([a.seq, b.seq, c.seq]).toEqual([1, 2, 3]);
    expect(journal.lastSeq()).toBe(3);

    const stored = journal.readAfter(0);
    expect(stored).toEqual([a, b, c]);
    expect(stored[1]).toMatchObject({
      state: null,
      status: null,
      newExpiresAt: 1234,
      expectedState: 'RUNNING',
      eventStreamId: journal.eventStreamId,
    });
    expect(journal.readAfter(2)).toEqual([c]);
  });

  it('stores a burst in one commit, numbered in order after what came before, and wakes followers once', async () => {
    const journal = openJournal();
    journal.append({ jobId: 'j1', state: 'RUNNING' });
    const following = journal.follow(1)[Symbol.asyncIterator]();
    const next = following.next();
    const burst = journal.appendMany([
      { jobId: 'j1', status: 'a' },
      { jobId: 'j2', status: 'b' },
      { jobId: 'j1', state: 'SUCCESS' },
    ]);
    expect(burst.map((e) => e.seq)).toEqual([2, 3, 4]);
    expect((await next).value).toEqual(burst[0]);
    expect(await take(following, 2)).toEqual(burst.slice(1));
    // Committed whole: a reopened journal (a restarted plugin) has all of it.
    journal.close();
    expect(openJournal().readAfter(1)).toEqual(burst);
  });

  it('keeps its stream id and numbering across a reopen, even after everything was acknowledged', () => {
    const first = openJournal();
    const streamId = first.eventStreamId;
    first.append({ jobId: 'j', state: 'RUNNING' });
    first.append({ jobId: 'j', state: 'SUCCESS' });
    first.ack(2);
    expect(first.readAfter(0)).toEqual([]);
    first.close();

    const second = openJournal();
    expect(second.eventStreamId).toBe(streamId);
    expect(second.lastSeq()).toBe(2);
    expect(second.append({ jobId: 'k', state: 'RUNNING' }).seq).toBe(3);
  });

  it('a fresh file gets a new stream id', () => {
    const a = openJournal().eventStreamId;
    const other = EventJournal.open(join(dir, 'other.db'));
    open.push(other);
    expect(other.eventStreamId).not.toBe(a);
  });

  it('ack forgets events up to and including seq', () => {
    const journal = openJournal();
    for (let i = 0; i < 5; i++) journal.append({ jobId: `j${i}` });
    journal.ack(3);
    expect(journal.readAfter(0).map((e) => e.seq)).toEqual([4, 5]);
    journal.ack(2); // an older ack changes nothing
    expect(journal.readAfter(0).map((e) => e.seq)).toEqual([4, 5]);
  });

  it('follow replays, then goes live, with no gap or repeat when events arrive during the replay', async () => {
    const journal = openJournal();
    for (let i = 0; i < 600; i++) journal.append({ jobId: `old-${i}` });
    const follower = journal.follow(100);
    // Append while the replay is in the middle of its first batch and again in a later one.
    const got = await take(follower, 502, (_, i) => {
      if (i === 10 || i === 300) journal.append({ jobId: `during-${i}` });
    });
    expect(got.map((e) => e.seq)).toEqual(Array.from({ length: 502 }, (_, i) => 101 + i));

    const live = take(follower, 2);
    journal.append({ jobId: 'live-1' });
    journal.append({ jobId: 'live-2' });
    expect((await live).map((e) => e.jobId)).toEqual(['live-1', 'live-2']);
    await follower.return(undefined);
  });

  it('puts a batch on disk once, before any of it leaves (group commit)', async () => {
    const journal = openJournal();
    for (let i = 0; i < 100; i++) journal.append({ jobId: 'j', status: `${i}` });
    const synced: number[] = [];
    const sync = journal.syncUpTo.bind(journal);
    journal.syncUpTo = async (seq) => {
      await sync(seq);
      synced.push(seq);
    };
    const seen = await take(journal.follow(0), 100, (e) => {
      // Nothing is handed out before the fsync covering it has finished.
      expect(synced.at(-1)).toBeGreaterThanOrEqual(e.seq);
    });
    expect(seen).toHaveLength(100);
    expect(synced).toEqual([100]);
  });

  it('serves several followers independently', async () => {
    const journal = openJournal();
    journal.append({ jobId: 'a' });
    const f1 = journal.follow(0);
    const f2 = journal.follow(0);
    const p1 = take(f1, 3);
    const p2 = take(f2, 3);
    journal.append({ jobId: 'b' });
    journal.append({ jobId: 'c' });
    expect((await p1).map((e) => e.jobId)).toEqual(['a', 'b', 'c']);
    expect((await p2).map((e) => e.jobId)).toEqual(['a', 'b', 'c']);
  });

  it('ends followers on close and on abort', async () => {
    const journal = openJournal();
    const controller = new AbortController();
    const aborted = take(journal.follow(0, controller.signal), 10);
    const closed = take(journal.follow(0), 10);
    controller.abort();
    expect(await aborted).toEqual([]);
    journal.close();
    expect(await closed).toEqual([]);
    expect(() => journal.append({ jobId: 'x' })).toThrow(/closed/);
  });
});
