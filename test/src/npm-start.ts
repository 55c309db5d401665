import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { killJobProcesses, request } from './harness.js';

/** What `npm start` runs once everything is built. */
export const LAUNCHER = join(
  dirname(fileURLToPath(import.meta.resolve('@ucloud/launcher'))),
  'main.js',
);

export type Component = 'orchestrator' | 'gateway' | 'native';

const COMPONENT_MAIN = /\/apps\/(orchestrator|gateway|provider-native)\/dist\/main\.js/;

/** `npm start` as a process of its own (`node apps/launcher/dist/main.js`) in a fresh data directory. */
export interface NpmStart {
  process: ChildProcess;
  dataDir: string;
  token: string;
  /** Every line it printed, its own and its components'. */
  output: string[];
  /** Resolves with the API's URL once it says it is running; rejects if it exits first. */
  running: Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Pids of the components it runs now. */
  components(): Partial<Record<Component, number>>;
  /** Stops it (SIGTERM) and removes everything it left: job processes, the data directory. */
  dispose(): Promise<void>;
}

export function npmStart(env: Record<string, string> = {}): NpmStart {
  const dataDir = mkdtempSync(join(tmpdir(), 'ucloud-npm-start-'));
  const token = 'npm-start-demo-token';
  const child = spawn(process.execPath, [LAUNCHER], {
    env: { ...process.env, DATA_DIR: dataDir, PORT: '0', DEMO_TOKEN: token, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => output.push(line));
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const running = new Promise<string>((resolve, reject) => {
    const watch = setInterval(() => {
      const url = output.join('\n').match(/is running at (http:\/\/\S+)/)?.[1];
      if (url) {
        clearInterval(watch);
        resolve(url);
      }
    }, 50);
    void exited.then(({ code, signal }) => {
      clearInterval(watch);
      reject(new Error(`npm start exited (${signal ?? String(code)}):\n${output.join('\n')}`));
    });
  });
  running.catch(() => {}); // observed by whoever awaits it
  return {
    process: child,
    dataDir,
    token,
    output,
    running,
    exited,
    components: () => componentsOf(child.pid!),
    async dispose() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      killJobProcesses(dataDir);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The components among the children of process `parent`, by what they run. */
function componentsOf(parent: number): Partial<Record<Component, number>> {
  const found: Partial<Record<Component, number>> = {};
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // pid (comm) state ppid …; comm may hold spaces and parentheses.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== parent) continue;
      const main = readFileSync(`/proc/${pid}/cmdline`, 'utf8').match(COMPONENT_MAIN)?.[1];
      if (main) found[main === 'provider-native' ? 'native' : (main as Component)] = Number(pid);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** A call to the REST API as the demo user; throws unless it answers 2xx. */
export async function rest<T>(
  url: string,
  token: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const answer = await request<T>(url, body === undefined ? 'GET' : 'POST', path, body, { token });
  if (answer.status < 200 || answer.status > 299)
    throw new Error(`${path}: ${answer.status} ${answer.text}`);
  return answer.body;
}

/** README's example job: the demo `acme-batch` printing `value`, for `steps` seconds. */
export const acmeBatchRequest = (value: string, steps: number) => ({
  items: [
    {
      application: { name: 'acme-batch', version: '1.0.0' },
      product: { id: 'example-compute', category: 'example-compute', provider: 'example' },
      allowDuplicateJob: true,
      parameters: {
        value: { type: 'text', value },
        steps: { type: 'integer', value: steps },
      },
    },
  ],
});

/** Retries `attempt` every 50 ms until it returns without throwing or `timeoutMs` passes. */
export async function eventually<T>(attempt: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
