import { describe, expect, it } from 'vitest';
import { BatchReader } from './batch-reader.js';

/** An async iterator fed by hand: items arrive when the test pushes them. */
function feed<T>() {
  const queue: Array<IteratorResult<T> | Error> = [];
  const waiting: Array<(r: IteratorResult<T> | Error) => void> = [];
  const deliver = (r: IteratorResult<T> | Error) => {
    const next = waiting.shift();
    if (next) next(r);
    else queue.push(r);
  };
  const iterator: AsyncIterator<T> = {
    next: async () => {
      const r =
        queue.shift() ??
        (await new Promise<IteratorResult<T> | Error>((resolve) => waiting.push(resolve)));
      if (r instanceof Error) throw r;
      return r;
    },
  };
  return {
    iterator,
    push: (...values: T[]) => values.forEach((value) => deliver({ value, done: false })),
    end: () => deliver({ value: undefined, done: true }),
    fail: (error: Error) => deliver(error),
  };
}

describe('BatchReader', () => {
  it('batches what is already there up to the limit, keeping order', async () => {
    const source = feed<number>();
    source.push(1, 2, 3, 4, 5);
    const reader = new BatchReader(source.iterator, 2, 5);
    expect(await reader.next()).toEqual([1, 2]);
    expect(await reader.next()).toEqual([3, 4]);
    expect(await reader.next()).toEqual([5]);
  });

  it('waits for the first item, then only for the linger time', async () => {
    const source = feed<number>();
    const reader = new BatchReader(source.iterator, 100, 20);
    const batch = reader.next();
    setTimeout(() => source.push(1), 10);
    setTimeout(() => source.push(2), 15);
    setTimeout(() => source.push(3), 80);
    expect(await batch).toEqual([1, 2]);
    // The read left pending by the first batch carries item 3 into the next one.
    expect(await reader.next()).toEqual([3]);
  });

  it('keeps reading while a batch is delivered, and sends what waited at once', async () => {
    const source = feed<number>();
    let pulls = 0;
    const counted: AsyncIterator<number> = {
      next: () => {
        pulls++;
        return source.iterator.next();
      },
    };
    const reader = new BatchReader(counted, 3, 1_000);
    source.push(1, 2, 3);
    expect(await reader.next()).toEqual([1, 2, 3]);
    // Not asked for a batch, the reader still takes what comes, up to its bound (4 × 3).
    source.push(...Array.from({ length: 20 }, (_, i) => i + 4));
    await new Promise((r) => setTimeout(r, 10));
    expect(pulls).toBe(3 + 12);
    const started = Date.now();
    expect(await reader.next()).toEqual([4, 5, 6]);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('delivers what it read before the end or a failure, then reports it', async () => {
    const ending = feed<number>();
    ending.push(1);
    ending.end();
    const reader = new BatchReader(ending.iterator, 10, 5);
    expect(await reader.next()).toEqual([1]);
    expect(await reader.next()).toBeNull();

    const failing = feed<number>();
    failing.push(1, 2);
    failing.fail(new Error('stream broke'));
    const broken = new BatchReader(failing.iterator, 10, 5);
    expect(await broken.next()).toEqual([1, 2]);
    await expect(broken.next()).rejects.toThrow('stream broke');
  });
});
