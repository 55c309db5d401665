import { TRPCClientError } from '@trpc/client';
import type { JobsFollowResponse, JobUpdate } from '@ucloud/contracts';
import { describe, expect, it } from 'vitest';
import type { Client } from '../client.js';
import { followJob, FollowInterrupted, isRetryable } from './follow-job.js';

const update = (state: JobUpdate['state'], status: string | null = null): JobUpdate => ({
  state,
  status,
  outputFolder: null,
  expectedState: null,
  expectedDifferentState: null,
  newTimeAllocation: null,
  allowRestart: null,
  newMounts: null,
  timestamp: null,
});
const message = (updates: JobUpdate[], stdout?: string): JobsFollowResponse => ({
  updates,
  log: stdout === undefined ? [] : [{ rank: 0, stdout, stderr: null }],
  newStatus: null,
});

interface Handlers {
  onData(event: { id: string; data: JobsFollowResponse }): void;
  onError(error: unknown): void;
  onComplete(): void;
}

/**
 * A fake client whose follow streams play `connections` in turn: each a list of events, then
 * an error (a dropped connection) unless the last event ends the job.
 */
function fakeClient(
  connections: Array<{ events: Array<[string, JobsFollowResponse]>; drop?: unknown }>,
) {
  const asked: Array<string | null> = [];
  const client = {
    jobs: {
      follow: {
        subscribe(input: { lastEventId: string | null }, handlers: Handlers) {
          asked.push(input.lastEventId);
          const connection = connections.shift();
          let open = true;
          queueMicrotask(() => {
            if (!connection) return;
            for (const [id, data] of connection.events) if (open) handlers.onData({ id, data });
            if (open && connection.drop !== undefined) handlers.onError(connection.drop);
          });
          return {
            unsubscribe: () => {
              if (open) handlers.onComplete();
              open = false;
            },
          };
        },
      },
    },
  } as unknown as Client;
  return { client, asked };
}

const fast = { initialMs: 1, maxMs: 2 };

describe('followJob', () => {
  it('follows again from the last event id after a drop, so nothing is lost or repeated', async () => {
    const { client, asked } = fakeClient([
      {
        events: [
          ['1:', message([update('IN_QUEUE')])],
          ['2:0o5', message([update('RUNNING')], 'one\n')],
        ],
        drop: new Error('socket hang up'),
      },
      { events: [], drop: new TRPCClientError('fetch failed') },
      {
        events: [
          ['2:0o10', message([], 'two\n')],
          ['3:0o10', message([update('SUCCESS', 'The job exited with code 0')])],
        ],
      },
    ]);
    const seen: string[] = [];
    const retries: number[] = [];
    const final = await followJob(
      client,
      '7',
      {
        onMessage: (m, id) => seen.push(`${id ?? ''} ${m.log.map((l) => l.stdout).join('')}`),
        onRetry: (_error, _delay, attempt) => retries.push(attempt),
      },
      { backoff: fast },
    );
    expect(final).toMatchObject({ state: 'SUCCESS', status: 'The job exited with code 0' });
    expect(asked).toEqual([null, '2:0o5', '2:0o5']);
    expect(seen).toEqual(['1: ', '2:0o5 one\n', '2:0o10 two\n', '3:0o10 ']);
    expect(retries).toEqual([1, 2]);
  });

  it('gives up on a refusal that following again cannot mend', async () => {
    const refusal = new TRPCClientError('Job not found', {
      result: { error: { message: 'Job not found', code: -32004, data: { httpStatus: 404 } } },
    });
    const { client } = fakeClient([{ events: [], drop: refusal }]);
    await expect(followJob(client, '7', { onMessage: () => undefined })).rejects.toBe(refusal);
  });

  it('stops waiting when told to', async () => {
    const { client } = fakeClient([{ events: [] }]);
    const stop = new AbortController();
    const following = followJob(
      client,
      '7',
      { onMessage: () => undefined },
      { signal: stop.signal },
    );
    stop.abort();
    await expect(following).rejects.toBeInstanceOf(FollowInterrupted);
  });
});

describe('isRetryable', () => {
  it('retries network failures and server errors, not refusals of the caller', () => {
    const withStatus = (httpStatus: number) =>
      new TRPCClientError('x', {
        result: { error: { message: 'x', code: -32000, data: { httpStatus } } },
      });
    expect(isRetryable(new Error('fetch failed'))).toBe(true);
    expect(isRetryable(withStatus(503))).toBe(true);
    expect(isRetryable(withStatus(429))).toBe(true);
    expect(isRetryable(withStatus(401))).toBe(false);
    expect(isRetryable(withStatus(404))).toBe(false);
    // The EventSource's own failure: an HTTP status without a tRPC body.
    expect(
      isRetryable(
        new TRPCClientError('Non-200 status code (403)', { cause: { code: 403 } as never }),
      ),
    ).toBe(false);
    expect(
      isRetryable(
        new TRPCClientError('Non-200 status code (502)', { cause: { code: 502 } as never }),
      ),
    ).toBe(true);
  });
});
