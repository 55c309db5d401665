import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_CATALOG, writeCatalog } from '../catalog.js';
import {
  acmeBatchRequest,
  eventually,
  npmStart,
  rest,
  type Component,
  type NpmStart,
} from '../npm-start.js';

const FOLLOWERS = 20;
const COMPONENTS: Component[] = ['orchestrator', 'gateway', 'native'];
/** A component not back within this long counts as not recovered. */
const GIVE_UP_MS = 60_000;

interface Recovery {
  /** SIGKILL → the API answers. */
  api: number;
  /** SIGKILL → a job created after it is RUNNING. */
  job: number;
  /** SIGKILL → every follower has received output printed after it. */
  followers?: number;
}

/**
 * Recovery from a crash under `npm start` (the launcher as a process, its supervisor restarting
 * what died): for each of orchestrator, gateway and plugin, the time from SIGKILL until the API
 * answers and updates flow again, with no follower open and with 20 followers of running jobs.
 */
export async function benchRecovery(): Promise<void> {
  const catalogDir = mkdtempSync(join(tmpdir(), 'ucloud-recovery-catalog-'));
  try {
    // The bench catalog plus `recovery-ticker`, which prints the time in ms every 200 ms.
    const catalog = writeCatalog(join(catalogDir, 'catalog.json'), {
      base: BENCH_CATALOG,
      applications: [
        {
          like: 'bench-clock',
          metadata: { name: 'recovery-ticker' },
          invocation: {
            invocation: [
              { type: 'word', word: '/bin/sh' },
              { type: 'word', word: '-c' },
              { type: 'word', word: 'while true; do date +%s%3N; sleep 0.2; done' },
            ],
          },
        },
      ],
    });
    const without = await recoveries(catalog, 0);
    const withFollowers = await recoveries(catalog, FOLLOWERS);
    const cell = (r: Recovery | Error) =>
      r instanceof Error
        ? `failed: ${r.message}`
        : `${Math.max(r.api, r.job, r.followers ?? 0)} (api ${r.api}, job ${r.job}` +
          (r.followers === undefined ? ')' : `, followers ${r.followers})`);
    console.log(
      `recovery, SIGKILL → API answers, a new job RUNNING and followers fed again (ms; restarted by npm start's supervisor):`,
    );
    console.log(`  ${'process'.padEnd(14)}${'no followers'.padEnd(32)}${FOLLOWERS} followers`);
    for (const component of COMPONENTS) {
      console.log(
        `  ${component.padEnd(14)}${cell(without.get(component)!).padEnd(32)}${cell(withFollowers.get(component)!)}`,
      );
    }
  } finally {
    rmSync(catalogDir, { recursive: true, force: true });
  }
}

/** Kills each component in turn in one `npm start`, `followers` jobs followed throughout. */
async function recoveries(
  catalog: string,
  followers: number,
): Promise<Map<Component, Recovery | Error>> {
  const launched = npmStart({ CATALOG_FILE: catalog, LOG_LEVEL: 'warn' });
  const followed: Follower[] = [];
  try {
    const url = await launched.running;
    if (followers > 0) {
      const { responses } = await rest<{ responses: Array<{ id: string }> }>(
        url,
        launched.token,
        '/api/jobs',
        {
          items: Array.from({ length: followers }, () => ({
            application: { name: 'recovery-ticker', version: '1.0.0' },
            product: { id: 'example-compute', category: 'example-compute', provider: 'example' },
            allowDuplicateJob: true,
          })),
        },
      );
      for (const { id } of responses) followed.push(new Follower(url, launched.token, id));
      await eventually(async () => {
        if (followed.some((f) => f.lastPrinted === 0)) throw new Error('followers not fed yet');
      }, GIVE_UP_MS);
    }
    const results = new Map<Component, Recovery | Error>();
    for (const component of COMPONENTS) {
      results.set(
        component,
        await killAndRecover(launched, url, component, followed).catch((err: unknown) =>
          err instanceof Error ? err : new Error(String(err)),
        ),
      );
      await new Promise((r) => setTimeout(r, 2_000));
    }
    return results;
  } finally {
    for (const follower of followed) follower.close();
    await launched.dispose();
  }
}

async function killAndRecover(
  launched: NpmStart,
  url: string,
  component: Component,
  followed: Follower[],
): Promise<Recovery> {
  const pid = launched.components()[component];
  if (pid === undefined) throw new Error(`${component} is not running`);
  const killedAt = Date.now();
  process.kill(pid, 'SIGKILL');
  const since = () => Date.now() - killedAt;
  const api = eventually(async () => {
    await rest(url, launched.token, '/api/jobs/browse?itemsPerPage=10');
    return since();
  }, GIVE_UP_MS);
  const job = (async () => {
    const { responses } = await eventually(
      () =>
        rest<{ responses: Array<{ id: string }> }>(
          url,
          launched.token,
          '/api/jobs',
          acmeBatchRequest(`after ${component} died`, 1),
        ),
      GIVE_UP_MS,
    );
    return eventually(async () => {
      const job = await rest<{ updates: Array<{ state: string }> }>(
        url,
        launched.token,
        `/api/jobs/retrieve?includeUpdates=true&id=${responses[0]!.id}`,
      );
      if (!job.updates.some((u) => u.state === 'RUNNING')) throw new Error('not running yet');
      return since();
    }, GIVE_UP_MS);
  })();
  const fed =
    followed.length === 0
      ? undefined
      : eventually(async () => {
          if (followed.some((f) => f.lastPrinted < killedAt)) throw new Error('not fed yet');
          return since();
        }, GIVE_UP_MS);
  const [apiMs, jobMs, followersMs] = await Promise.all([api, job, fed]);
  return { api: apiMs, job: jobMs, followers: followersMs };
}

/**
 * A client of `GET /api/jobs/follow` that resumes with Last-Event-ID, as an EventSource does, but
 * 100 ms after a drop rather than EventSource's 3 s, so that the figure is the stack's own.
 */
class Follower {
  /** The latest time printed by the job that this follower has received. */
  lastPrinted = 0;
  private lastEventId: string | undefined;
  private readonly abort = new AbortController();

  constructor(
    private readonly url: string,
    private readonly token: string,
    private readonly id: string,
  ) {
    void this.run();
  }

  close(): void {
    this.abort.abort();
  }

  private async run(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        await this.follow();
      } catch {
        // dropped: resume below
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private async follow(): Promise<void> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    if (this.lastEventId) headers['last-event-id'] = this.lastEventId;
    const response = await fetch(`${this.url}/api/jobs/follow?id=${this.id}`, {
      headers,
      signal: this.abort.signal,
    });
    if (!response.ok || !response.body) throw new Error(`follow answered ${response.status}`);
    const decoder = new TextDecoder();
    let buffered = '';
    for await (const chunk of response.body) {
      buffered += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffered.indexOf('\n\n')) >= 0) {
        this.receive(buffered.slice(0, end));
        buffered = buffered.slice(end + 2);
      }
    }
  }

  private receive(event: string): void {
    for (const line of event.split('\n')) {
      if (line.startsWith('id: ')) this.lastEventId = line.slice(4);
      if (!line.startsWith('data: ')) continue;
      const data = JSON.parse(line.slice(6)) as { log?: Array<{ stdout: string | null }> };
      for (const printed of (data.log ?? []).flatMap((l) => (l.stdout ?? '').split('\n'))) {
        if (/^\d+$/.test(printed)) this.lastPrinted = Math.max(this.lastPrinted, Number(printed));
      }
    }
  }
}
