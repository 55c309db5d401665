import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { freePort } from '@ucloud/provider-sdk';
import { existsSync } from 'node:fs';
import { DEMO_QUOTA, grantCredits } from './credits.js';

/** The provider plugins a stack can run. */
export type PluginName = 'native' | 'slurm';
export type ComponentName = 'orchestrator' | 'gateway' | PluginName;

export interface StackOptions {
  dataDir: string;
  /** Orchestrator port; 0 picks a free one. */
  port: number;
  host?: string;
  /** Token of the demo user `user`; random when absent. */
  demoToken?: string;
  /** More users as `name:token` pairs. */
  extraUsers?: string[];
  /**
   * Quota each user (the demo user and `extraUsers`) gets in every product category when the
   * database is new; 0 grants nothing. Default: DEMO_QUOTA.
   */
  demoCredits?: number;
  logLevel?: string;
  /** The plugin that serves the provider's products; native unless told. */
  plugin?: PluginName;
  /** Where each component's log lines go (one line at a time, prefixed by nobody). */
  onLog?: (component: ComponentName, line: string) => void;
  /** Called when a component exits without having been asked to. */
  onUnexpectedExit?: (
    component: ComponentName,
    code: number | null,
    signal: NodeJS.Signals | null,
  ) => void;
  /** Extra environment per component (tests use it to shorten timeouts). */
  env?: Partial<Record<ComponentName, Record<string, string>>>;
}

export interface Stack {
  url: string;
  userToken: string;
  /** Token of the stack's administrator `ucloud-admin` (grants allocations, creates projects). */
  adminToken: string;
  providerToken: string;
  gatewayUrl: string;
  /** Sends a signal to one component and waits for it to exit. */
  kill(component: ComponentName, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a component that was killed, with the same configuration. */
  start(component: ComponentName): Promise<void>;
  stop(): Promise<void>;
}

/** Each app's process entry point sits beside its library entry point in dist/. */
const mainOf = (pkg: string) => join(dirname(fileURLToPath(import.meta.resolve(pkg))), 'main.js');

const MAINS: Record<ComponentName, string> = {
  orchestrator: mainOf('@ucloud/orchestrator'),
  gateway: mainOf('@ucloud/gateway'),
  native: mainOf('@ucloud/provider-native'),
  slurm: mainOf('@ucloud/provider-slurm'),
};

/**
 * Orchestrator + gateway + a plugin (native unless `plugin` says otherwise) as three real
 * processes on loopback, wired with fresh secrets: what `npm start` runs, and what the
 * whole-stack tests start and kill.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const host = options.host ?? '127.0.0.1';
  const dataDir = resolve(options.dataDir);
  const [port, gatewayPort, pluginPort] = await Promise.all([
    options.port === 0 ? freePort() : Promise.resolve(options.port),
    freePort(),
    freePort(),
  ]);
  const userToken = options.demoToken ?? randomBytes(24).toString('base64url');
  const providerToken = randomBytes(24).toString('base64url');
  const adminToken = randomBytes(24).toString('base64url');
  const users = ['user:' + userToken, ...(options.extraUsers ?? [])];
  const freshDatabase = !existsSync(join(dataDir, 'orchestrator.sqlite'));
  const url = `http://${host}:${port}`;
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const logLevel = options.logLevel ?? 'info';
  const plugin = options.plugin ?? 'native';

  const env: Partial<Record<ComponentName, Record<string, string>>> = {
    [plugin]: {
      GRPC_ADDRESS: `127.0.0.1:${pluginPort}`,
      DATA_DIR: join(dataDir, `provider-${plugin}`),
      PROVIDER_ID: 'example',
      LOG_LEVEL: logLevel,
      ...options.env?.[plugin],
    },
    gateway: {
      PORT: String(gatewayPort),
      HOST: '127.0.0.1',
      PROVIDER_ID: 'example',
      PROVIDER_TOKEN: providerToken,
      ORCHESTRATOR_URL: `http://127.0.0.1:${port}`,
      PLUGINS: `${plugin}=127.0.0.1:${pluginPort}`,
      LOG_LEVEL: logLevel,
      ...options.env?.gateway,
    },
    orchestrator: {
      PORT: String(port),
      HOST: host,
      DATA_DIR: dataDir,
      USERS: [...users, `+ucloud-admin:${adminToken}`].join(','),
      PROVIDERS: `example=${gatewayUrl}=${providerToken}`,
      LOG_LEVEL: logLevel,
      ...options.env?.orchestrator,
    },
  };

  const children = new Map<ComponentName, ChildProcess>();
  const stopping = new Set<ComponentName>();

  const start = async (name: ComponentName) => {
    const componentEnv = env[name];
    if (!componentEnv)
      throw new Error(`${name} is not part of this stack (its plugin is ${plugin})`);
    const child = spawn(process.execPath, [MAINS[name]], {
      env: { ...process.env, ...componentEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.set(name, child);
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => options.onLog?.(name, line));
    }
    child.once('exit', (code, signal) => {
      if (children.get(name) === child) children.delete(name);
      if (!stopping.has(name)) options.onUnexpectedExit?.(name, code, signal);
    });
    await waitUntilListening(name, child, componentEnv);
  };

  const kill = async (name: ComponentName, signal: NodeJS.Signals = 'SIGTERM') => {
    const child = children.get(name);
    if (!child || child.exitCode !== null) return;
    stopping.add(name);
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill(signal);
    await exited;
    stopping.delete(name);
  };

  const stopAll = async () => {
    for (const name of ['orchestrator', 'gateway', plugin] as const) await kill(name);
  };
  try {
    // Plugin first, orchestrator last: each one's peer is there when it starts.
    await start(plugin);
    await start('gateway');
    await start('orchestrator');
    const quota = options.demoCredits ?? DEMO_QUOTA;
    if (freshDatabase && quota > 0) {
      const usernames = users.map((u) => u.split(':')[0]!.replace(/^\+/, ''));
      await grantCredits(url, adminToken, usernames, quota);
    }
  } catch (err) {
    // A stack that fails to start leaves nothing running behind.
    await stopAll();
    throw err;
  }

  return {
    url,
    userToken,
    adminToken,
    providerToken,
    gatewayUrl,
    kill,
    start,
    stop: stopAll,
  };
}

/** Resolves once the component accepts connections on its port (or rejects if it dies first). */
async function waitUntilListening(
  name: ComponentName,
  child: ChildProcess,
  env: Record<string, string>,
): Promise<void> {
  const address =
    name === 'orchestrator' || name === 'gateway'
      ? `${env.HOST ?? '127.0.0.1'}:${env.PORT}`
      : env.GRPC_ADDRESS!;
  const [host, port] = [
    address.slice(0, address.lastIndexOf(':')),
    Number(address.slice(address.lastIndexOf(':') + 1)),
  ];
  const { connect } = await import('node:net');
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${name} exited during start (code ${child.exitCode ?? child.signalCode})`);
    const ok = await new Promise<boolean>((r) => {
      const socket = connect({ host, port }, () => {
        socket.destroy();
        r(true);
      });
      socket.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${name} did not start listening on ${address} within 60 s`);
}
