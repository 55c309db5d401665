import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { acmeBatch, useStack, waitForJob } from './harness.js';
import {
  CONTENT_TYPES,
  HOSTILE_REQUESTS,
  hostileHeader,
  hostileInput,
  hostileValue,
  RAW_BODIES,
  toJson,
  toQuery,
} from './hostile.js';
import { gatewayRestRoutes, orchestratorRestRoutes, routerProcedures } from './readme-apis.js';

/**
 * Property-based fuzzing of every face README.md lists: each REST route and tRPC procedure gets
 * wrong types, huge numbers, long strings, deep nesting, NUL bytes, invalid JSON and UTF-8,
 * wrong content types and oversized bodies, as the demo user, anonymously and with a made-up
 * token. Every answer must come in time, be no 5xx (503 excepted), carry the face's error
 * shape and no stack trace; afterwards the jobs are as they were and the orchestrator's memory
 * is bounded. TEST_FUZZ_RUNS sets the runs per property, TEST_FUZZ_SEED repeats a run.
 */

const RUNS = Number(process.env.TEST_FUZZ_RUNS ?? 400);
const SEED = process.env.TEST_FUZZ_SEED ? Number(process.env.TEST_FUZZ_SEED) : undefined;
/** The servers' bodyLimit; larger bodies are refused from their Content-Length. */
const BODY_LIMIT = 16 << 20;
/** Ten issues of a couple of hundred characters: enough to name what is wrong. */
const MAX_MESSAGE = 2_500;
/** Any answer slower than this is a hang. */
const ANSWER_TIMEOUT_MS = 30_000;
/** After the run; the orchestrator idles at about 100 MB. */
const MAX_RSS_MB = 768;
const ALICE = 'alice-fuzz-token-1';

// The demo user has no credits: a create the fuzzer gets right by chance is refused (402)
// instead of starting processes. Alice's jobs are what must survive.
const stack = useStack({ demoCredits: 0, extraUsers: [`alice:${ALICE}`] });
const alice = stack.client(ALICE);
/** Alice's jobs the demo user may read, and may edit (the playground, running, not kept). */
let sharedJob: string;
let editableJob: string;
/** The jobs that must come through unchanged. */
let aliceJobs: string[];
let before: string;

const snapshot = async () =>
  JSON.stringify([
    await Promise.all(
      aliceJobs.map((id) =>
        alice.jobs.retrieve.query({
          id,
          includeUpdates: true,
          includeParameters: true,
          includeOthers: true,
        }),
      ),
    ),
    (
      await alice.jobs.browse.query({
        filterIds: aliceJobs.join(','),
        itemsPerPage: 250,
        includeUpdates: true,
      })
    ).items,
  ]);

beforeAll(async () => {
  await stack.allocate('alice', 1e12);
  const created = await alice.jobs.create.mutate({
    items: [
      acmeBatch('kept', 0),
      acmeBatch('shared', 0),
      acmeBatch('playground', 900, { timeAllocation: { hours: 2, minutes: 0, seconds: 0 } }),
    ],
  });
  const ids = created.responses.map((r) => r.id);
  aliceJobs = ids.slice(0, 2);
  [, sharedJob, editableJob] = ids as [string, string, string];
  const grant = (id: string, permission: 'READ' | 'EDIT') => ({
    id,
    added: [{ entity: { type: 'user' as const, username: 'user' }, permissions: [permission] }],
  });
  await alice.jobs.updateAcl.mutate({
    items: [grant(sharedJob, 'READ'), grant(editableJob, 'EDIT')],
  });
  for (const id of aliceJobs) await waitForJob(alice, id, (j) => j.status.state === 'SUCCESS');
  // Running, so that extend, suspend, sessions and utilization reach the provider.
  await waitForJob(alice, editableJob, (j) => j.status.state === 'RUNNING');
  before = await snapshot();
}, 180_000);

/** Valid requests the fuzzer spoils; calls without one get a generic shape. */
function templates(): Record<string, unknown> {
  const jobId = editableJob;
  const duration = { hours: 1, minutes: 0, seconds: 0 };
  const jobs: Record<string, unknown> = {
    create: {
      items: [
        acmeBatch('fuzz', 1, {
          name: 'fuzz',
          timeAllocation: duration,
          resources: [{ type: 'peer', hostname: 'other', jobId }],
        }),
      ],
    },
    retrieve: { id: sharedJob, includeUpdates: 'true', includeSupport: 'true' },
    browse: {
      itemsPerPage: '10',
      next: jobId,
      itemsToSkip: '1',
      filterIds: jobId,
      filterState: 'SUCCESS',
      sortDirection: 'ascending',
      filterCreatedAfter: '0',
    },
    // Suspend and unsuspend the playground; terminate it only by a mistake of the fuzzer's.
    terminate: { items: [{ id: sharedJob }] },
    suspend: { items: [{ id: jobId }] },
    extend: { items: [{ jobId, requestedTime: duration }] },
    interactiveSession: { items: [{ id: jobId, rank: 0, sessionType: 'SHELL' }] },
    retrieveUtilization: { jobId },
    updateAcl: {
      items: [
        {
          id: jobId,
          added: [{ entity: { type: 'user', username: 'user' }, permissions: ['EDIT'] }],
          deleted: [{ type: 'user', username: 'alice' }],
        },
      ],
    },
    follow: { id: jobId, lastEventId: '1:0o0.0e0' },
  };
  const allocation = {
    owner: { type: 'user', username: 'user' },
    category: { name: 'example-compute', provider: 'example' },
    quota: 1,
    startDate: 0,
    endDate: 1,
  };
  const license = {
    product: { id: 'example-license', category: 'example-license', provider: 'example' },
  };
  return {
    'POST /api/jobs': jobs.create,
    'GET /api/jobs/retrieve': jobs.retrieve,
    'GET /api/jobs/browse': jobs.browse,
    'POST /api/jobs/search': { query: 'acme', flags: { filterIds: jobId }, itemsPerPage: 10 },
    'POST /api/jobs/terminate': jobs.terminate,
    'POST /api/jobs/suspend': jobs.suspend,
    'POST /api/jobs/unsuspend': jobs.suspend,
    'POST /api/jobs/extend': jobs.extend,
    'POST /api/jobs/interactiveSession': jobs.interactiveSession,
    'GET /api/jobs/retrieveUtilization': jobs.retrieveUtilization,
    'POST /api/jobs/updateAcl': jobs.updateAcl,
    'GET /api/jobs/follow': jobs.follow,
    'GET /api/hpc/apps': { itemsPerPage: '50', page: '0' },
    'GET /api/hpc/apps/byNameAndVersion': { appName: 'acme-batch', appVersion: '1.0.0' },
    'POST /api/accounting/v2/rootAllocate': { items: [allocation] },
    'POST /api/accounting/v2/subAllocate': { items: [{ ...allocation, parentProject: '1' }] },
    'POST /api/accounting/v2/updateAllocation': { items: [{ id: 1, quota: 5 }] },
    'POST /api/licenses': { items: [license] },
    'POST /api/jobs/control/update': { items: [{ id: jobId, update: { state: 'FAILURE' } }] },
    'jobs.create': jobs.create,
    'jobs.retrieve': jobs.retrieve,
    'jobs.browse': jobs.browse,
    'jobs.search': { ...(jobs.browse as object), query: 'acme' },
    'jobs.terminate': jobs.terminate,
    'jobs.suspend': jobs.suspend,
    'jobs.unsuspend': jobs.suspend,
    'jobs.extend': jobs.extend,
    'jobs.openInteractiveSession': jobs.interactiveSession,
    'jobs.retrieveUtilization': jobs.retrieveUtilization,
    'jobs.updateAcl': jobs.updateAcl,
    'jobs.follow': jobs.follow,
    'accounting.rootAllocate': { items: [allocation] },
    'licenses.create': { items: [license] },
    'control.update': { items: [{ id: jobId, update: { state: 'FAILURE' } }], cursor: null },
  };
}

const genericTemplate = (mutation: boolean) => (mutation ? { items: [{ id: '1' }] } : { id: '1' });

interface Sent {
  what: string;
  status: number;
  contentType: string;
  text: string;
}

/**
 * Sends one request and reads the answer; event streams only up to their first event. node:http
 * rather than fetch: a server may answer an oversized body early and close, which fetch reports
 * as a failed write instead of the answer.
 */
function send(
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string | Uint8Array },
  what: string,
): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: init.method, headers: init.headers });
    const timer = setTimeout(() => fail(new Error('timed out')), ANSWER_TIMEOUT_MS);
    const fail = (e: Error) => {
      clearTimeout(timer);
      request.destroy();
      reject(new Error(`${what}: no answer (${e.message})`));
    };
    request.on('error', fail);
    request.on('response', (response) => {
      request.off('error', fail).on('error', () => undefined); // a write cut short after the answer
      const contentType = response.headers['content-type'] ?? '';
      const stream = contentType.startsWith('text/event-stream');
      let text = '';
      const done = () => {
        clearTimeout(timer);
        request.destroy();
        resolve({ what, status: response.statusCode!, contentType, text });
      };
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
        if (stream && firstEvent(text) !== undefined) done(); // a stream may stay open; one event tells
      });
      response.on('end', done);
      response.on('error', done);
    });
    const body = typeof init.body === 'string' ? Buffer.from(init.body) : init.body;
    if (body && body.length > BODY_LIMIT) {
      // The server answers from Content-Length and closes; racing it with 17 MB of writes would
      // end in a reset that loses its answer. The rest follows only if it does not answer.
      request.setHeader('content-length', body.length);
      request.write(body.subarray(0, 1 << 20));
      setTimeout(() => request.end(body.subarray(1 << 20)), 500).unref();
    } else request.end(body);
  });
}

/** The first complete event of a stream that says something (not tRPC's `connected`). */
const firstEvent = (text: string) =>
  text
    .split('\n\n')
    .slice(0, -1)
    .find((e) => /^(data|event):/m.test(e) && !/^event: connected/m.test(e));

const STACK = /"stack"|\bat .+:\d+:\d+|file:\/\/|node_modules|\/dist\//;

/** What is wrong with an answer, as the spec and README promise it; empty when nothing. */
function problems(answer: Sent, face: 'rest' | 'trpc'): string[] {
  const found: string[] = [];
  if (STACK.test(answer.text)) found.push('a stack trace or file path');
  const body = parseJson(answer.text);
  if (answer.status >= 500) {
    const code = face === 'rest' ? body?.errorCode : body?.error?.data?.code;
    if (!(answer.status === 503 && code === 'SERVICE_UNAVAILABLE'))
      found.push(`a ${answer.status}`);
  }
  if (answer.status < 400 || answer.contentType.startsWith('text/event-stream')) return found;
  const messages: unknown[] = [];
  if (face === 'rest' || answer.status === 431) {
    // A request line over 16 KB is refused before anyone knows which face it was for.
    if (!isCommonErrorMessage(body)) found.push('not the spec error shape {why, errorCode}');
    messages.push(body?.why);
  } else {
    const errors = Array.isArray(body) ? body.map((b) => b?.error) : [body?.error];
    for (const e of errors.filter((e) => e !== undefined)) {
      if (typeof e?.message !== 'string' || typeof e?.data?.code !== 'string')
        found.push('not the tRPC error shape');
      messages.push(e?.message);
    }
    if (errors.every((e) => e === undefined)) found.push('an error status without an error');
  }
  if (messages.some((m) => typeof m === 'string' && m.length > MAX_MESSAGE))
    found.push('a message echoing the input back');
  return found;
}

function isCommonErrorMessage(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  const { why, errorCode, ...rest } = body as Record<string, unknown>;
  return (
    typeof why === 'string' &&
    why !== '' &&
    (typeof errorCode === 'string' || errorCode === null) &&
    Object.keys(rest).length === 0
  );
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function parseJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const AUTH = ['user', 'anonymous', 'made up'] as const;
type Auth = (typeof AUTH)[number];

function headersFor(auth: Auth, extra: { token?: string; project?: string; contentType?: string }) {
  const headers: Record<string, string> = {};
  if (auth === 'user') headers.authorization = `Bearer ${stack.userToken}`;
  if (auth === 'made up') headers.authorization = extra.token ?? 'Bearer nobody';
  if (extra.project !== undefined) headers.project = extra.project;
  if (extra.contentType) headers['content-type'] = extra.contentType;
  return headers;
}

/** The body of a request: the input as JSON, or one of the bodies no JSON value makes. */
const bodyOf = (input: unknown, raw: number | null) =>
  raw === null ? toJson(input) : RAW_BODIES[raw % RAW_BODIES.length]!.body();

/** `value` once in `oneIn` runs, `otherwise` in the others. */
const sometimes = <T, U>(value: fc.Arbitrary<T>, oneIn: number, otherwise: U) =>
  fc.oneof(
    { arbitrary: fc.constant(otherwise), weight: oneIn - 1 },
    { arbitrary: value, weight: 1 },
  );

/** Who calls and how the input travels: mostly the demo user sending JSON, so validation is reached. */
const envelope = fc.record({
  auth: fc.oneof(
    { arbitrary: fc.constant<Auth>('user'), weight: 4 },
    { arbitrary: fc.constantFrom<Auth>('anonymous', 'made up'), weight: 1 },
  ),
  token: hostileHeader,
  project: sometimes(hostileHeader, 10, undefined),
  contentType: sometimes(fc.constantFrom(...CONTENT_TYPES), 8, 'application/json'),
  raw: sometimes(fc.nat(), 8, null),
});

async function check(answer: Promise<Sent>, face: 'rest' | 'trpc') {
  const sent = await answer;
  expect(
    problems(sent, face),
    `${sent.what.slice(0, 300)} → ${sent.status} ${sent.text.slice(0, 300)}`,
  ).toEqual([]);
}

/** Runs and seed from the environment; a failure reports the seed and the answer, not the megabytes sent. */
const params = <T>(): fc.Parameters<T> => ({
  numRuns: RUNS,
  seed: SEED,
  endOnFailure: true,
  plugins: [
    () => ({
      onAllRunsComplete: (run) => {
        if (run.failed)
          throw new Error(
            `seed ${run.seed} (TEST_FUZZ_SEED): ${String(run.errorInstance).slice(0, 2_000)}`,
          );
      },
    }),
  ],
});

describe('hostile input', () => {
  it('every REST route of the table answers it in time, in the spec error shape, never 5xx', async () => {
    const all = templates();
    const request = fc.constantFrom(...orchestratorRestRoutes()).chain((route) => {
      const template =
        all[`${route.method} ${route.path}`] ?? genericTemplate(route.method !== 'GET');
      return fc.record({ route: fc.constant(route), input: hostileInput(template), envelope });
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ route, input, envelope: e }) => {
        const get = route.method === 'GET';
        const headers = headersFor(e.auth, { ...e, contentType: get ? undefined : e.contentType });
        const path = route.path + (get ? toQuery(input) : '');
        const body = get ? undefined : bodyOf(input, e.raw);
        await check(
          send(
            stack.url + path,
            { method: route.method, headers, body },
            `${route.method} ${path.slice(0, 200)} as ${e.auth}, ${body?.length ?? 0} bytes (${e.contentType})`,
          ),
          'rest',
        );
      }),
      params(),
    );
  });

  it('every tRPC procedure answers it in time, in the tRPC error shape, never 5xx', async () => {
    const all = templates();
    const procedures = routerProcedures();
    const request = fc.constantFrom(...procedures).chain((procedure) =>
      fc.record({
        procedure: fc.constant(procedure),
        input: hostileInput(all[procedure.name] ?? genericTemplate(procedure.type === 'mutation')),
        // A batch partner of the same kind: tRPC refuses mixed batches before looking further.
        batch: sometimes(
          fc.constantFrom(...procedures.filter((p) => p.type === procedure.type)),
          4,
          undefined,
        ),
        envelope,
      }),
    );
    await fc.assert(
      fc.asyncProperty(request, async ({ procedure, input, batch, envelope: e }) => {
        const post = procedure.type === 'mutation';
        const headers = headersFor(e.auth, { ...e, contentType: post ? e.contentType : undefined });
        // A batch sends the input to both procedures.
        const names = batch ? `${procedure.name},${batch.name}` : procedure.name;
        const payload = batch ? { 0: input, 1: input } : input;
        const query = `${batch ? '?batch=1&' : '?'}input=${encodeURIComponent(toJson(payload))}`;
        const path = `/trpc/${names}${post ? (batch ? '?batch=1' : '') : query}`;
        const body = post ? bodyOf(payload, e.raw) : undefined;
        await check(
          send(
            stack.url + path,
            { method: post ? 'POST' : 'GET', headers, body },
            `${procedure.type} ${path.slice(0, 200)} as ${e.auth}, ${body?.length ?? 0} bytes (${e.contentType})`,
          ),
          'trpc',
        );
      }),
      params(),
    );
  });

  it('requests that break URL decoding or routing, and what fuzzing found, are answered too', async () => {
    for (const { method, path, body } of HOSTILE_REQUESTS) {
      for (const auth of AUTH) {
        const headers = headersFor(auth, { contentType: body && 'application/json' });
        const face = path.startsWith('/trpc') ? 'trpc' : 'rest';
        await check(
          send(stack.url + path, { method, headers, body }, `${method} ${path.slice(0, 100)}`),
          face,
        );
      }
    }
  });

  it("the gateway's JobsProvider routes answer it in the spec error shape, never 5xx", async () => {
    const routes = gatewayRestRoutes('example');
    // Generic values only: a well-formed Job would make the plugin start real processes.
    const request = fc.record({
      route: fc.constantFrom(...routes),
      input: hostileValue,
      authorized: fc.boolean(),
      raw: sometimes(fc.nat(), 3, null),
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ route, input, authorized, raw }) => {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (authorized) headers.authorization = `Bearer ${stack.providerToken}`;
        const get = route.method === 'GET';
        const path = route.path + (get ? toQuery(input) : '');
        await check(
          send(
            stack.gatewayUrl + path,
            { method: route.method, headers, body: get ? undefined : bodyOf(input, raw) },
            `${route.method} ${path.slice(0, 200)}`,
          ),
          'rest',
        );
      }),
      params(),
    );
  });

  it('leaves the stored jobs as they were and the orchestrator alive, its memory bounded', async () => {
    expect(await snapshot()).toBe(before);
    expect((await fetch(`${stack.url}/healthz`)).status).toBe(200);
    expect(rssMegabytes(orchestratorPid())).toBeLessThan(MAX_RSS_MB);
  });
});

/** The orchestrator is a child of this process, started by the launcher's startStack. */
function orchestratorPid(): number {
  const pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (parent === process.pid && command.includes('orchestrator/dist/main.js')) return +pid;
    } catch {
      // exited meanwhile
    }
  }
  throw new Error('no orchestrator process among this process’s children');
}

function rssMegabytes(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}
