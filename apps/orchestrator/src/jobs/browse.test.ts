import { describe, expect, it } from 'vitest';
import { newJob, openCore } from '../testing/core.js';
import { JobBrowser, type BrowseQuery } from './browse.js';

describe('JobBrowser, created-at windows', () => {
  // Created out of id order (a clock set back between two creates): the window is still exact.
  const core = openCore();
  const createdAt = [1000, 5000, 2000, 4000, 3000];
  const ids = createdAt.map((at) => core.transitions.create([newJob()], at)[0]!);
  const browser = new JobBrowser(core.db);
  const browse = (after: number | null, before: number | null, skip = 0) =>
    browser
      .browse({
        workspace: { username: 'alice', project: null, everyone: false },
        flags: { filterCreatedAfter: after, filterCreatedBefore: before },
        itemsPerPage: 10,
        after: null,
        skip,
        ascending: false,
      } satisfies BrowseQuery)
      .map((row) => row.id);
  const createdIn = (from: number, to: number) =>
    ids.filter((_, i) => createdAt[i]! >= from && createdAt[i]! <= to).reverse();

  it('lists exactly the jobs created in the window, newest id first', () => {
    expect(browse(1500, 3500)).toEqual(createdIn(1500, 3500));
    expect(browse(2000, 5000)).toEqual(createdIn(2000, 5000));
  });

  it('takes one bound alone', () => {
    expect(browse(3500, null)).toEqual(createdIn(3500, Infinity));
    expect(browse(null, 2500)).toEqual(createdIn(0, 2500));
  });

  it('answers an empty page for a window no job was created in', () => {
    expect(browse(6000, 7000)).toEqual([]);
    expect(browse(1001, 1999)).toEqual([]);
  });

  it('skips within the window', () => {
    expect(browse(1000, 5000, 2)).toEqual(createdIn(1000, 5000).slice(2));
  });
});
