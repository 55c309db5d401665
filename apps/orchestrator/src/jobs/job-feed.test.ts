import {
  JobUpdate,
  type FollowEvent,
  type Job,
  type ProviderLogChunk,
  type ProviderLogOffset,
} from '@ucloud/contracts';
import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { Catalog, DEMO_CATALOG_FILE } from '../catalog/catalog.js';
import { FakeProvider } from '../testing/fake-provider.js';
import { newJob, openCore, type Core } from '../testing/core.js';
import type { FollowDeps } from './follow.js';
import { FollowCursor } from './follow-cursor.js';
import { JobFollower } from './follow.js';
import { JobFeeds } from './job-feed.js';

/** A provider whose output grows while its job runs, counting the log streams opened on it. */
class LiveOutput extends FakeProvider {
  opened = 0;
  open = 0;
  private ended = false;
  private wakers = new Set<() => void>();

  private bytes = Buffer.alloc(0);

  /** Appends output; bytes may end inside a UTF-8 character, as a provider's chunks can. */
  write(text: string | Buffer): void {
    this.bytes = Buffer.concat([this.bytes, Buffer.from(text)]);
    this.wake();
  }
  end(): void {
    this.ended = true;
    this.wake();
  }
  override async *followLogs(
    _job: Job,
    offsets: ProviderLogOffset[],
    follow = false,
    signal = new AbortController().signal,
  ): AsyncGenerator<ProviderLogChunk> {
    this.opened++;
    this.open++;
    try {
      let from = offsets.find((o) => o.rank === 0 && o.stream === 'stdout')?.offset ?? 0;
      for (;;) {
        const rest = this.bytes.subarray(from);
        if (rest.length > 0) {
          yield { rank: 0, stream: 'stdout', offset: from, data: rest.toString('base64') };
          from += rest.length;
        }
        if (!follow || this.ended || signal.aborted) return;
        await new Promise<void>((resolve) => {
          this.wakers.add(resolve);
          signal.addEventListener('abort', () => resolve(), { once: true });
        });
      }
    } finally {
      this.open--;
    }
  }
  private wake(): void {
    const wakers = this.wakers;
    this.wakers = new Set();
    for (const w of wakers) w();
  }
}

let core: Core;
let provider: LiveOutput;
let deps: FollowDeps;
let feeds: JobFeeds;
let jobId: number;

const report = (state: 'RUNNING' | 'SUCCESS' | null, status: string | null = null) =>
  core.transitions.applyProviderUpdates(
    'example',
    [{ id: String(jobId), update: JobUpdate.parse({ state, status }) }],
    null,
    Date.now(),
  );

/** A follower reading into `seen` until its job ends or `stop` aborts. */
function follow(lastEventId: string | null = null) {
  const stop = new AbortController();
  const seen: FollowEvent[] = [];
  const cursor = FollowCursor.parse(lastEventId) ?? new FollowCursor();
  const done = (async () => {
    for await (const e of new JobFollower(deps, feeds, jobId, cursor, stop.signal).events())
      seen.push(e);
  })();
  const stdout = () => seen.flatMap((e) => e.data.log.map((l) => l.stdout ?? '')).join('');
  const states = () => seen.flatMap((e) => e.data.updates.map((u) => u.state));
  return { seen, done, stop: () => stop.abort(), stdout, states };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
};

beforeEach(() => {
  core = openCore();
  provider = new LiveOutput();
  deps = {
    jobs: core.jobs,
    notifier: core.notifier,
    catalog: Catalog.fromFile(DEMO_CATALOG_FILE),
    providers: () => provider,
    log: pino({ level: 'silent' }),
    closing: new AbortController().signal,
    logs: { backoff: { initialMs: 1, maxMs: 5 }, drainAttempts: 3 },
  };
  feeds = new JobFeeds(deps);
  [jobId] = core.transitions.create([newJob()], Date.now()) as [number];
});

describe('JobFeed', () => {
  it('serves every follower of a job from one log stream, closed when the last one leaves', async () => {
    report('RUNNING');
    const followers = Array.from({ length: 50 }, () => follow());
    provider.write('one\n');
    await until(() => followers.every((f) => f.stdout() === 'one\n'));
    provider.write('two\n');
    await until(() => followers.every((f) => f.stdout() === 'one\ntwo\n'));
    expect(provider.opened).toBe(1);
    expect(feeds.size).toBe(1);

    for (const f of followers) f.stop();
    await Promise.all(followers.map((f) => f.done));
    expect(provider.open).toBe(0);
    expect(feeds.size).toBe(0);
  });

  it('brings a follower that joins late up to date from what it keeps, without a stream of its own', async () => {
    report('RUNNING');
    const first = follow();
    provider.write('early\n');
    await until(() => first.stdout() === 'early\n');
    const late = follow();
    await until(() => late.stdout() === 'early\n');
    provider.write('late\n');
    await until(() => late.stdout() === 'early\nlate\n' && first.stdout() === late.stdout());
    expect(provider.opened).toBe(1);
    first.stop();
    late.stop();
  });

  it('fetches the rest of the output once for all followers before they see the end', async () => {
    report('RUNNING');
    const followers = Array.from({ length: 20 }, () => follow());
    provider.write('running\n');
    await until(() => followers.every((f) => f.stdout() === 'running\n'));
    provider.write('last words\n');
    provider.end();
    report('SUCCESS');
    await Promise.all(followers.map((f) => f.done));
    for (const f of followers) {
      expect(f.stdout()).toBe('running\nlast words\n');
      expect(f.states()).toEqual(['IN_QUEUE', 'RUNNING', 'SUCCESS']);
      // The end comes after all of the output.
      expect(f.seen.at(-1)?.data.updates[0]?.state).toBe('SUCCESS');
    }
    // The live stream and one fetch of the rest for all twenty.
    expect(provider.opened).toBe(2);
    expect(provider.open).toBe(0);
    expect(feeds.size).toBe(0);
  });

  it('sends a run of status updates as one message shared by the followers in step', async () => {
    report('RUNNING');
    const a = follow();
    const b = follow();
    await until(() => a.states().length === 2 && b.states().length === 2);
    report(null, 'step 1');
    report(null, 'step 2');
    await until(() => a.seen.length === 3 && b.seen.length === 3);
    const [ma, mb] = [a.seen.at(-1), b.seen.at(-1)];
    expect(ma?.data.updates.map((u) => u.status)).toEqual(['step 1', 'step 2']);
    expect(ma?.data).toBe(mb?.data);
    a.stop();
    b.stop();
  });

  it('sends a line of output as one message shared by the followers in step, ids and all', async () => {
    report('RUNNING');
    const followers = Array.from({ length: 3 }, () => follow());
    provider.write('shared\n');
    await until(() => followers.every((f) => f.stdout() === 'shared\n'));
    const [first, ...rest] = followers.map((f) => f.seen.at(-1));
    for (const other of rest) expect(other).toBe(first);
    for (const f of followers) f.stop();
  });

  it('holds a character split across chunks back from every follower until it is whole', async () => {
    report('RUNNING');
    const followers = Array.from({ length: 2 }, () => follow());
    const euro = Buffer.from('€');
    provider.write(Buffer.concat([Buffer.from('a'), euro.subarray(0, 1)]));
    await until(() => followers.every((f) => f.stdout() === 'a'));
    provider.write(Buffer.concat([euro.subarray(1), Buffer.from('b\n')]));
    await until(() => followers.every((f) => f.stdout() === 'a€b\n'));
    // Each id resumes exactly after the bytes sent, the held-back one included.
    for (const f of followers) expect(f.seen.at(-1)?.id).toBe(`2:0o${Buffer.byteLength('a€b\n')}`);
    for (const f of followers) f.stop();
  });

  it('resumes from an event id without losing or repeating output or updates', async () => {
    report('RUNNING');
    const first = follow();
    provider.write('a\n');
    await until(() => first.stdout() === 'a\n');
    const resumeFrom = first.seen.at(-1)?.id ?? null;
    first.stop();
    await first.done;
    provider.write('b\n');
    provider.end();
    report('SUCCESS');
    const resumed = follow(resumeFrom);
    await resumed.done;
    expect(resumed.stdout()).toBe('b\n');
    expect(resumed.states()).toEqual(['SUCCESS']);
  });
});
