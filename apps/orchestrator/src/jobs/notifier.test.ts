import { describe, expect, it } from 'vitest';
import { JobNotifier } from './notifier.js';

describe('JobNotifier', () => {
  it("wakes a job's listeners, and only its own, until they unsubscribe", () => {
    const notifier = new JobNotifier();
    const woken: string[] = [];
    const a = notifier.subscribe(1, () => woken.push('a'));
    notifier.subscribe(2, () => woken.push('b'));
    notifier.notify([1]);
    a();
    notifier.notify([1, 2]);
    expect(woken).toEqual(['a', 'b']);
    expect(notifier.subscriptions()).toBe(1);
  });

  it('lets a listener leave, or another one leave, while the job is being notified', () => {
    const notifier = new JobNotifier();
    const woken: number[] = [];
    const leave: Array<() => void> = [];
    for (let i = 0; i < 4; i++)
      leave.push(
        notifier.subscribe(7, () => {
          woken.push(i);
          leave[i]!();
          if (i === 0) leave[2]!();
        }),
      );
    notifier.notify([7]);
    expect(woken).toEqual([0, 1, 3]);
    expect(notifier.subscriptions()).toBe(0);
  });

  it('counts the same function subscribed twice as two followers', () => {
    const notifier = new JobNotifier();
    let calls = 0;
    const listener = () => calls++;
    const first = notifier.subscribe(3, listener);
    notifier.subscribe(3, listener);
    notifier.notify([3]);
    first();
    notifier.notify([3]);
    expect(calls).toBe(3);
    expect(notifier.subscriptions()).toBe(1);
  });
});
