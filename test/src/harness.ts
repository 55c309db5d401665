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
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';
import { nativeProducts, writeCatalog, type CatalogSetup } from './catalog.js';

export type Client = TRPCClient<AppRouter>;

/** A whole stack for tests: startStack's options, and what to add to the demo catalog. */
export interface StackSetup extends Partial<StackOptions> {
  /**
   * Products and applications added to the demo catalog (see catalog.ts), written into the
   * stack's data directory. With the native plugin, it serves the added products too.
   */
  catalog?: CatalogSetup;
}

export interface TestStack extends Stack, AsyncDisposable {
  dataDir: string;
  /** A typed client acting as the token's user, in their personal workspace or in `project`. */
  client(token?: string, project?: string): Client;
  /** A typed client acting as the stack's administrator `ucloud-admin`. */
  admin(): Client;
  /** A call to the orchestrator's REST face, as the demo user unless `options.token` says otherwise. */
  rest<T = Json>(
    method: string,
    path: string,
    body?: unknown,
    options?: RestOptions,
  ): Promise<Answer<T>>;
  /**
   * As the administrator, a root allocation of `quota` in example-compute (or `category`) to a
   * user or a project, from a minute ago for an hour unless `startDate` and `endDate` say otherwise.
   */
  allocate(
    owner: string | { projectId: string },
    quota: number,
    options?: {
      category?: { name: string; provider: string };
      startDate?: number;
      endDate?: number;
    },
  ): ReturnType<Client['accounting']['rootAllocate']['mutate']>;
  /** Log lines of every component, for diagnosing a failure. */
  logs: string[];
  /** Stops the stack, kills the jobs it left running and removes its data directory. */
  dispose(): Promise<void>;
}

/** Starts orchestrator + gateway + native plugin as real processes in a fresh data directory. */
export async function startTestStack(setup: StackSetup = {}): Promise<TestStack> {
  const { catalog, ...options } = setup;
  const dataDir = mkdtempSync(join(tmpdir(), 'ucloud-stack-'));
  const logs: string[] = [];
  let stack: Stack;
  try {
    stack = await startStack({
      dataDir,
      port: 0,
      logLevel: 'debug',
      onLog: (component, line) => logs.push(`[${component}] ${line}`),
      ...options,
      env: catalog ? withCatalog(dataDir, catalog, options) : options.env,
    });
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const client = (token = stack.userToken, project?: string) =>
    createClient(stack.url, token, project);
  const dispose = async () => {
    await stack.stop();
    killJobProcesses(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  };
  return {
    ...stack,
    dataDir,
    logs,
    client,
    admin: () => client(stack.adminToken),
    rest: (method, path, body, restOptions) =>
      request(stack.url, method, path, body, { token: stack.userToken, ...restOptions }),
    allocate: (owner, quota, { category, startDate, endDate } = {}) =>
      client(stack.adminToken).accounting.rootAllocate.mutate({
        items: [
          {
            owner:
              typeof owner === 'string'
                ? { type: 'user', username: owner }
                : { type: 'project', projectId: owner.projectId },
            category: category ?? { name: 'example-compute', provider: 'example' },
            quota,
            startDate: startDate ?? Date.now() - 60_000,
            endDate: endDate ?? Date.now() + 3_600_000,
          },
        ],
      }),
    dispose,
    [Symbol.asyncDispose]: dispose,
  };
}

/** The stack's environment with the catalog written into its data directory. */
function withCatalog(
  dataDir: string,
  catalog: CatalogSetup,
  options: Partial<StackOptions>,
): StackOptions['env'] {
  const env = options.env ?? {};
  const products = catalog.products ?? [];
  const native = (options.plugin ?? 'native') === 'native' && products.length > 0;
  return {
    ...env,
    orchestrator: {
      CATALOG_FILE: writeCatalog(join(dataDir, 'catalog.json'), catalog),
      ...env.orchestrator,
    },
    ...(native && { native: { PRODUCTS: nativeProducts(products), ...env.native } }),
  };
}

/**
 * The whole-stack fixture: one stack for the tests of the file (or the describe block) that calls
 * it, started before the first of them (beforeAll) and disposed after the last (afterAll).
 * Called at the top of the file, it returns the stack to be: its members are there from
 * beforeAll on, but `client()` and `admin()` may be called at once, at the top of the file too;
 * what they return reaches the stack when first used. `start` makes a stack of another kind
 * (the Slurm tests').
 */
export function useStack(setup?: StackSetup): TestStack;
export function useStack<S extends TestStack>(start: () => Promise<S>): S;
export function useStack(setup: StackSetup | (() => Promise<TestStack>) = {}): TestStack {
  let stack: TestStack | undefined;
  beforeAll(async () => {
    stack = await (typeof setup === 'function' ? setup() : startTestStack(setup));
  });
  afterAll(async () => {
    await stack?.dispose();
    stack = undefined;
  });
  const started = (): TestStack => {
    if (!stack) throw new Error('the stack is used before useStack started it (in beforeAll)');
    return stack;
  };
  return new Proxy({} as TestStack, {
    get(_, key) {
      if (key === 'client')
        return (token?: string, project?: string) => lazy(() => started().client(token, project));
      if (key === 'admin') return () => lazy(() => started().admin());
      return Reflect.get(started(), key) as unknown;
    },
    has: (_, key) => Reflect.has(started(), key),
  });
}

/** An object made by `make` when one of its members is first asked for. */
function lazy<T extends object>(make: () => T): T {
  let made: T | undefined;
  return new Proxy({} as T, {
    get: (_, key) => Reflect.get((made ??= make()), key) as unknown,
    has: (_, key) => Reflect.has((made ??= make()), key),
  });
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

type Json = Record<string, unknown>;

/** An HTTP answer: its status, its body as text, and the body parsed as JSON (`body`, parsed when read). */
export interface Answer<T = Json> {
  status: number;
  text: string;
  readonly body: T;
}

export interface RestOptions {
  /** The bearer token; null sends none. */
  token?: string | null;
  headers?: Record<string, string>;
}

const answer = <T>(status: number, text: string): Answer<T> => ({
  status,
  text,
  get body() {
    return JSON.parse(text) as T;
  },
});

/**
 * A REST call to `base + path`; `body`, when given, is sent as JSON (a string as it is, so that
 * tests can send what is not JSON) with a JSON content type.
 */
export async function request<T = Json>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  { token, headers }: RestOptions = {},
): Promise<Answer<T>> {
  const response = await fetch(base + path, {
    method,
    headers: {
      ...(token && { authorization: `Bearer ${token}` }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined || typeof body === 'string' ? body : JSON.stringify(body),
  });
  return answer<T>(response.status, await response.text());
}

const execFileAsync = promisify(execFile);

/**
 * Runs curl as the spec's examples do: `-sS` and the token's Authorization header (none for
 * null), then `args`. Fails when curl does (as it does on an HTTP error with `--fail-with-body`).
 */
export async function curl<T = Json>(token: string | null, ...args: string[]): Promise<Answer<T>> {
  const auth = token === null ? [] : ['-H', `Authorization: Bearer ${token}`];
  const { stdout } = await execFileAsync('curl', ['-sS', ...auth, '-w', '\n%{http_code}', ...args]);
  const end = stdout.lastIndexOf('\n');
  return answer<T>(Number(stdout.slice(end + 1)), stdout.slice(0, end));
}
