import type { AppRouter, JobsFollowResponse, JobSpecificationInput } from '@ucloud/contracts';
import { isFinalState } from '@ucloud/contracts';
import {
  createTRPCClient,
  TRPCClientError,
  httpBatchLink,
  httpSubscriptionLink,
  splitLink,
  type TRPCClient,
} from '@trpc/client';
import { startStack, type Stack, type StackOptions } from '@ucloud/launcher';
import { EventSource } from 'eventsource';
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Client = TRPCClient<AppRouter>;

export interface TestStack extends Stack {
  dataDir: string;
  /** A typed client acting as the token's user, in their personal workspace or in `project`. */
  client(token?: string, project?: string): Client;
  /** Log lines of every component, for diagnosing a failure. */
  logs: string[];
  dispose(): Promise<void>;
}

/** Starts orchestrator + gateway + native plugin as real processes in a fresh data directory. */
export async function startTestStack(options: Partial<StackOptions> = {}): Promise<TestStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ucloud-stack-'));
  const logs: string[] = [];
  const stack = await startStack({
    dataDir,
    port: 0,
    logLevel: 'debug',
    onLog: (component, line) => logs.push(`[${component}] ${line}`),
    ...options,
  });
  return {
    ...stack,
    dataDir,
    logs,
    client: (token = stack.userToken, project?: string) => createClient(stack.url, token, project),
    async dispose() {
      await stack.stop();
      killJobProcesses(dataDir);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function createClient(url: string, token: string, project?: string): Client {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (project) headers.project = project;
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'subscription',
        true: httpSubscriptionLink({
          url: `${url}/trpc`,
          EventSource,
          eventSourceOptions: () => ({
            fetch: (input: string | URL | Request, init?: RequestInit) =>
              fetch(input, {
                ...init,
                headers: { ...(init?.headers as Record<string, string>), ...headers },
              }),
          }),
        }),
        false: httpBatchLink({ url: `${url}/trpc`, headers }),
      }),
    ],
  });
}

export interface FollowedEvent {
  id: string | undefined;
  data: JobsFollowResponse;
}

/** Follows a job until it reaches a final state (or `until` says stop), returning every message in order. */
export function followUntil(
  client: Client,
  jobId: string,
  opts: {
    lastEventId?: string;
    until?: (events: FollowedEvent[]) => boolean;
    timeoutMs?: number;
  } = {},
): Promise<FollowedEvent[]> {
  const events: FollowedEvent[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.unsubscribe();
      reject(
        new Error(
          `follow of job ${jobId} timed out after ${events.length} messages: ${JSON.stringify(events.map((e) => e.data))}`,
        ),
      );
    }, opts.timeoutMs ?? 60_000);
    const sub = client.jobs.follow.subscribe(
      { id: jobId, lastEventId: opts.lastEventId ?? null },
      {
        onData: (tracked) => {
          events.push({ id: tracked.id, data: tracked.data as JobsFollowResponse });
          const state = tracked.data.newStatus?.state;
          const done = opts.until
            ? opts.until(events)
            : state !== undefined && tracked.data.updates.length > 0 && isFinalState(state);
          if (done) {
            clearTimeout(timer);
            sub.unsubscribe();
            resolve(events);
          }
        },
        onError: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      },
    );
  });
}

/** Polls a job until `predicate` holds. */
export async function waitForJob(
  client: Client,
  id: string,
  predicate: (job: Awaited<ReturnType<Client['jobs']['retrieve']['query']>>) => boolean,
  timeoutMs = 60_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await client.jobs.retrieve.query({ id, includeUpdates: true });
    if (predicate(job)) return job;
    if (Date.now() > deadline)
      throw new Error(
        `job ${id} did not reach the expected condition; last seen: ${JSON.stringify(job.updates)}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const EXAMPLE_PRODUCT = {
  id: 'example-compute',
  category: 'example-compute',
  provider: 'example',
};

export const acmeBatch = (
  value: string,
  steps = 3,
  extra: Partial<JobSpecificationInput> = {},
): JobSpecificationInput => ({
  application: { name: 'acme-batch', version: '1.0.0' },
  product: EXAMPLE_PRODUCT,
  allowDuplicateJob: true,
  parameters: {
    debug: { type: 'boolean', value: false },
    value: { type: 'text', value },
    steps: { type: 'integer', value: steps },
  },
  ...extra,
});

export const webApp = (extra: Partial<JobSpecificationInput> = {}): JobSpecificationInput => ({
  application: { name: 'acme-web-application', version: '1.0.0' },
  product: EXAMPLE_PRODUCT,
  allowDuplicateJob: true,
  ...extra,
});

/** Text of all stdout in a list of follow messages, per rank. */
export function stdoutOf(events: FollowedEvent[], rank = 0): string {
  return events
    .flatMap((e) => e.data.log)
    .filter((l) => l.rank === rank)
    .map((l) => l.stdout ?? '')
    .join('');
}

/** Native jobs outlive their plugin by design; a finished test must not leave any behind. */
export function killJobProcesses(dataDir: string): void {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readlinkSync(`/proc/${pid}/cwd`).startsWith(dataDir))
        process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone already, or not ours to inspect
    }
  }
}

/** The tRPC error a call fails with; fails the test if the call succeeds. */
export async function errorOf(promise: Promise<unknown>): Promise<TRPCClientError<AppRouter>> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof TRPCClientError) return e as TRPCClientError<AppRouter>;
    throw e;
  }
  throw new Error('expected the call to fail');
}
