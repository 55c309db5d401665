import type { ComponentName } from '@ucloud/launcher';
import type { Job, JobsFollowResponse } from '@ucloud/contracts';
import { isFinalState } from '@ucloud/contracts';
import { randomUUID } from 'node:crypto';
import type { StackSetup, TestStack } from './harness.js';

/**
 * The fault campaign of our own: jobs of mixed lengths run with a follower each, while the
 * orchestrator, the gateway and the plugin are SIGKILLed in turn at random moments. Afterwards
 * every job must have exactly the right updates, complete output, its real start and end times and
 * the charges its real running time costs. Used by `chaos.test.ts` at CI size and by the bench.
 */

/** Prints when it starts, `lines` lines a quarter second apart, and when it ends (epoch ms). */
export const CHAOS_APP = { name: 'chaos-job', version: '1.0.0' };
const LINE_INTERVAL_S = 0.25;

export interface ChaosOptions {
  jobs: number;
  /** The accounting period (ACCOUNTING_MINUTE_MS of the stack; the demo product is per minute). */
  periodMs: number;
  /** Longest job, in lines (a quarter second each). */
  maxLines: number;
  /** Kills at least this many times (rounds over the three components). */
  kills: number;
  seed: number;
  log?: (message: string) => void;
}

export interface ChaosReport {
  seed: number;
  jobs: number;
  /** Jobs the plugin was killed while starting (they end FAILURE, never having run). */
  interruptedStarts: number;
  kills: Array<{ component: ComponentName; downMs: number }>;
  /** Every way a job came out wrong; empty when the system held. */
  problems: string[];
  elapsedMs: number;
}

/** The accounting period of the chaos stack (ACCOUNTING_MINUTE_MS; the demo product is per minute). */
export const CHAOS_PERIOD_MS = 1000;

/** The stack a campaign runs on: the demo catalog plus the chaos application, short periods. */
export function chaosStack(logLevel: string): StackSetup {
  const script =
    'echo "start $(date +%s%3N)"; i=1; while [ $i -le $1 ]; do echo "line $i"; ' +
    `sleep ${LINE_INTERVAL_S}; i=$((i+1)); done; echo "end $(date +%s%3N)"`;
  return {
    logLevel,
    catalog: {
      applications: [
        {
          like: 'acme-batch',
          metadata: { ...CHAOS_APP, title: 'Chaos job' },
          invocation: {
            invocation: [
              { type: 'word', word: '/bin/sh' },
              { type: 'word', word: '-c' },
              { type: 'word', word: script },
              { type: 'word', word: 'chaos-job' },
              { type: 'var', variableNames: ['lines'] },
            ],
            parameters: [
              { type: 'integer', name: 'lines', title: 'Lines', description: '', optional: false },
            ],
          },
        },
      ],
    },
    env: {
      orchestrator: {
        ACCOUNTING_MINUTE_MS: String(CHAOS_PERIOD_MS),
        ACCOUNTING_TICK_MS: '200',
      },
    },
  };
}

/** A small seeded PRNG (mulberry32), so a failing run can be repeated with its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runChaos(stack: TestStack, options: ChaosOptions): Promise<ChaosReport> {
  const rand = random(options.seed);
  const log = options.log ?? (() => {});
  const started = Date.now();
  const api = new Api(stack.url, stack.userToken);
  const followers: Array<Promise<Followed>> = [];
  let created = 0;

  const creating = (async () => {
    for (let i = 0; i < options.jobs; i++) {
      const lines = Math.floor(rand() * (options.maxLines + 1));
      const id = await api.create(lines);
      followers.push(follow(api, id, lines));
      created++;
      await sleep(rand() * 150);
    }
  })();

  const kills: ChaosReport['kills'] = [];
  const order: ComponentName[] = ['native', 'gateway', 'orchestrator'];
  for (let k = 0; k < options.kills || created < options.jobs; k++) {
    const component = order[k % order.length]!;
    await sleep(300 + rand() * 1500);
    await stack.kill(component, 'SIGKILL');
    // Long enough, often, for jobs to end or start while the part is down.
    const downMs = 500 + Math.floor(rand() * 2500);
    await sleep(downMs);
    await stack.start(component);
    kills.push({ component, downMs });
    log(`killed ${component} for ${downMs} ms (${created}/${options.jobs} jobs created)`);
  }
  await creating;
  const followed = await Promise.all(followers);
  // The charger settles ended jobs on its next rounds.
  await sleep(3 * 1000);

  const problems: string[] = [];
  let interruptedStarts = 0;
  let charged = 0;
  for (const f of followed) {
    const job = await api.retrieve(f.id);
    const usage = await api.usage(f.id);
    charged += usage.charges.reduce((sum, c) => sum + c.amount, 0);
    const verdict = judge(f, job, usage.periodsCharged, options.periodMs);
    if (verdict === 'interrupted-start') interruptedStarts++;
    else problems.push(...verdict.map((p) => `job ${f.id} (${f.lines} lines): ${p}`));
  }
  const wallet = await api.walletUsage();
  if (wallet !== charged)
    problems.push(`the wallet's usage ${wallet} is not the sum of the jobs' charges ${charged}`);
  return {
    seed: options.seed,
    jobs: followed.length,
    interruptedStarts,
    kills,
    problems,
    elapsedMs: Date.now() - started,
  };
}

interface Followed {
  id: string;
  lines: number;
  stdout: string;
  /** Event ids in the order received, across reconnections. */
  eventIds: string[];
}

/**
 * What a job should look like afterwards: IN_QUEUE, RUNNING, SUCCESS with exit code 0; its whole
 * output; RUNNING and SUCCESS stamped within a second of when it really started and ended; and
 * charged for that running time. A job whose start the plugin's death interrupted ends FAILURE
 * without running, which is right, and is counted apart.
 */
function judge(
  f: Followed,
  job: Job,
  periodsCharged: number,
  periodMs: number,
): string[] | 'interrupted-start' {
  const states = job.updates.map((u) => u.state);
  if (
    states.join() === 'IN_QUEUE,FAILURE' &&
    job.updates[1]!.status === 'The plugin stopped while the job was starting' &&
    f.stdout === '' &&
    periodsCharged === 0
  )
    return 'interrupted-start';
  const problems: string[] = [];
  if (states.join() !== 'IN_QUEUE,RUNNING,SUCCESS')
    problems.push(`updates ${JSON.stringify(job.updates.map((u) => [u.state, u.status]))}`);
  else if (job.updates[2]!.status !== 'The job exited with code 0')
    problems.push(`ended ${JSON.stringify(job.updates[2]!.status)}`);
  const expected = new RegExp(
    `^start (\\d+)\\n${Array.from({ length: f.lines }, (_, i) => `line ${i + 1}\\n`).join('')}end (\\d+)\\n$`,
  );
  const output = expected.exec(f.stdout);
  if (!output) problems.push(`output ${JSON.stringify(f.stdout)}`);
  if (new Set(f.eventIds).size !== f.eventIds.length) problems.push('an event was repeated');
  const running = job.updates[1]?.timestamp;
  const ended = job.updates[2]?.timestamp;
  if (output && running != null && ended != null) {
    const [realStart, realEnd] = [Number(output[1]), Number(output[2])];
    if (Math.abs(running - realStart) > 1000)
      problems.push(`RUNNING stamped ${running - realStart} ms from the real start`);
    if (Math.abs(ended - realEnd) > 1000)
      problems.push(`SUCCESS stamped ${ended - realEnd} ms from the real end`);
    const owed = Math.max(1, Math.ceil((ended - running) / periodMs));
    if (periodsCharged !== owed)
      problems.push(`charged ${periodsCharged} periods for ${ended - running} ms (owes ${owed})`);
  }
  return problems;
}

/** Follows a job over SSE until its final update, reconnecting from the last event id. */
async function follow(api: Api, id: string, lines: number): Promise<Followed> {
  const f: Followed = { id, lines, stdout: '', eventIds: [] };
  let lastEventId: string | null = null;
  for (let attempt = 0; ; attempt++) {
    try {
      for await (const event of api.follow(id, lastEventId)) {
        lastEventId = event.id;
        f.eventIds.push(event.id);
        for (const l of event.data.log) f.stdout += l.stdout ?? '';
        if (event.data.updates.some((u) => u.state !== null && isFinalState(u.state))) return f;
      }
    } catch {
      // the orchestrator went away; follow again from the last event
    }
    if (attempt > 2000) throw new Error(`job ${id}: the follow never saw the job end`);
    await sleep(200);
  }
}

/** The REST face as a curl user sees it, retrying while the orchestrator is down. */
class Api {
  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  async create(lines: number): Promise<string> {
    const key = randomUUID();
    const body = JSON.stringify({
      items: [
        {
          application: CHAOS_APP,
          product: { id: 'example-compute', category: 'example-compute', provider: 'example' },
          parameters: { lines: { type: 'integer', value: lines } },
          allowDuplicateJob: true,
        },
      ],
    });
    // The same key on every attempt: a create whose answer was lost is not made twice.
    const answer = (await this.call('POST', '/api/jobs', body, { 'idempotency-key': key })) as {
      responses: Array<{ id: string }>;
    };
    return answer.responses[0]!.id;
  }

  retrieve(id: string): Promise<Job> {
    return this.call('GET', `/api/jobs/retrieve?id=${id}&includeUpdates=true`) as Promise<Job>;
  }

  usage(id: string) {
    return this.call('GET', `/api/accounting/v2/jobUsage?jobId=${id}`) as Promise<{
      periodsCharged: number;
      charges: Array<{ amount: number }>;
    }>;
  }

  async walletUsage(): Promise<number> {
    const page = (await this.call('GET', '/api/accounting/v2/browseWallets?itemsPerPage=250')) as {
      items: Array<{ paysFor: { name: string }; localUsage: number }>;
    };
    return page.items
      .filter((w) => w.paysFor.name === 'example-compute')
      .reduce((sum, w) => sum + w.localUsage, 0);
  }

  async *follow(
    id: string,
    lastEventId: string | null,
  ): AsyncGenerator<{ id: string; data: JobsFollowResponse }> {
    const response = await fetch(`${this.url}/api/jobs/follow?id=${id}`, {
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
      },
    });
    if (response.status !== 200) throw new Error(`follow answered ${response.status}`);
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body!) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const field = (name: string) =>
          frame
            .split('\n')
            .find((l) => l.startsWith(`${name}: `))
            ?.slice(name.length + 2);
        if (field('event') === 'error') throw new Error(`follow ended: ${field('data') ?? ''}`);
        const [eventId, data] = [field('id'), field('data')];
        if (eventId && data) yield { id: eventId, data: JSON.parse(data) as JobsFollowResponse };
      }
    }
  }

  private async call(
    method: string,
    path: string,
    body?: string,
    headers: Record<string, string> = {},
  ): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await fetch(this.url + path, {
          method,
          body,
          headers: {
            authorization: `Bearer ${this.token}`,
            ...(body ? { 'content-type': 'application/json' } : {}),
            ...headers,
          },
        });
        const text = await response.text();
        if (response.ok) return JSON.parse(text);
        // 503: a provider the call needs is down for a moment; anything else is a real refusal.
        if (response.status !== 503)
          throw new Refused(`${method} ${path}: ${response.status} ${text}`);
      } catch (e) {
        if (e instanceof Refused || attempt > 600) throw e;
      }
      await sleep(100);
    }
  }
}

class Refused extends Error {}
