import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { LogFormat } from '@ucloud/contracts/logger';
import { freePort } from '@ucloud/provider-sdk';
import { existsSync } from 'node:fs';
import { DEMO_QUOTA, grantCredits } from './credits.js';
import { launcherTokens } from './tokens-file.js';
import { Supervisor } from './supervisor.js';

/** The provider plugins a stack can run. */
export type PluginName = 'native' | 'slurm' | 'docker' | 'vm';
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
  /** How the components write their logs; JSON unless told (their output goes through a pipe). */
  logFormat?: LogFormat;
  /** The plugin that serves the provider's products; native unless told. */
  plugin?: PluginName;
  /**
   * Runs this script in the plugin's place, under the plugin's name and settings: a bench's load
   * generator, or a test's plugin.
   */
  pluginMain?: string;
  /** Where each component's log lines go (one line at a time, prefixed by nobody). */
  onLog?: (component: ComponentName, line: string) => void;
  /** Called when a component exits without having been asked to. */
  onUnexpectedExit?: (
    component: ComponentName,
    code: number | null,
    signal: NodeJS.Signals | null,
  ) => void;
  /**
   * Restart a component that exits without having been asked to, with backoff (`npm start`).
   * Off by default: tests kill and start components themselves. `kill` never causes a restart.
   */
  supervise?: boolean;
  /** What the launcher does to a component and why (restarts, a stop forced), one line each. */
  onNotice?: (component: ComponentName, message: string) => void;
  /** Aborted during start, stops what has started; startStack then rejects. */
  signal?: AbortSignal;
  /** Extra environment per component (tests use it to shorten timeouts). */
  env?: Partial<Record<ComponentName, Record<string, string>>>;
  /**
   * Every link over TLS, with PEM files a CA signed: HTTPS to the orchestrator and the gateway,
   * mutual TLS from the gateway to the plugin (what a site sets up by hand; see the README).
   */
  tls?: StackTls;
}

export interface StackTls {
  caFile: string;
  /** A server certificate (and its key) for 127.0.0.1: the orchestrator, gateway and plugin serve it. */
  certFile: string;
  keyFile: string;
  /** The gateway's client certificate for the plugin. */
  clientCertFile: string;
  clientKeyFile: string;
}

export interface Stack {
  url: string;
  userToken: string;
  /** Token of the stack's administrator `ucloud-admin` (grants allocations, creates projects). */
  adminToken: string;
  /** Where the demo user's and the administrator's tokens are kept across restarts. */
  tokensFile: string;
  providerToken: string;
  gatewayUrl: string;
  /** Where the plugin serves gRPC (host:port). */
  pluginAddress: string;
  /** Sends a signal to one component and waits for it to exit; supervision leaves it stopped. */
  kill(component: ComponentName, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a component that was killed, with the same configuration. */
  start(component: ComponentName): Promise<void>;
  /** Stops every component: SIGTERM, then SIGKILL for one still running 5 s later. */
  stop(): Promise<void>;
}

/** How long a component may take to stop on SIGTERM when the stack stops. */
const STOP_GRACE_MS = 5_000;

/** Watches each component's stdin, so that it stops when the launcher dies. */
const EXIT_WITH_LAUNCHER = new URL('./exit-with-launcher.js', import.meta.url).href;

/** Each app's process entry point sits beside its library entry point in dist/. */
const mainOf = (pkg: string) => join(dirname(fileURLToPath(import.meta.resolve(pkg))), 'main.js');

const MAINS: Record<ComponentName, string> = {
  orchestrator: mainOf('@ucloud/orchestrator'),
  gateway: mainOf('@ucloud/gateway'),
  native: mainOf('@ucloud/provider-native'),
  slurm: mainOf('@ucloud/provider-slurm'),
  docker: mainOf('@ucloud/provider-docker'),
  vm: mainOf('@ucloud/provider-vm'),
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
  const kept = launcherTokens(dataDir);
  const userToken = options.demoToken ?? kept.user;
  const providerToken = randomBytes(24).toString('base64url');
  const adminToken = kept.admin;
  const users = ['user:' + userToken, ...(options.extraUsers ?? [])];
  const freshDatabase = !existsSync(join(dataDir, 'orchestrator.sqlite'));
  const tls = options.tls;
  const scheme = tls ? 'https' : 'http';
  const url = `${scheme}://${host}:${port}`;
  const gatewayUrl = `${scheme}://127.0.0.1:${gatewayPort}`;
  const serve: Record<string, string> = tls
    ? { TLS_CERT_FILE: tls.certFile, TLS_KEY_FILE: tls.keyFile }
    : {};
  const logLevel = options.logLevel ?? 'info';
  const logFormat = options.logFormat ?? 'json';
  const plugin = options.plugin ?? 'native';

  const env: Partial<Record<ComponentName, Record<string, string>>> = {
    [plugin]: {
      GRPC_ADDRESS: `127.0.0.1:${pluginPort}`,
      DATA_DIR: join(dataDir, `provider-${plugin}`),
      PROVIDER_ID: 'example',
      LOG_LEVEL: logLevel,
      LOG_FORMAT: logFormat,
      ...(tls && { ...serve, TLS_CLIENT_CA_FILE: tls.caFile }),
      ...options.env?.[plugin],
    },
    gateway: {
      PORT: String(gatewayPort),
      HOST: '127.0.0.1',
      PROVIDER_ID: 'example',
      PROVIDER_TOKEN: providerToken,
      ORCHESTRATOR_URL: `${scheme}://127.0.0.1:${port}`,
      PLUGINS: `${plugin}=127.0.0.1:${pluginPort}`,
      LOG_LEVEL: logLevel,
      LOG_FORMAT: logFormat,
      ...(tls && {
        ...serve,
        ORCHESTRATOR_CA_FILE: tls.caFile,
        PLUGIN_CA_FILE: tls.caFile,
        PLUGIN_CLIENT_CERT_FILE: tls.clientCertFile,
        PLUGIN_CLIENT_KEY_FILE: tls.clientKeyFile,
      }),
      ...options.env?.gateway,
    },
    orchestrator: {
      PORT: String(port),
      HOST: host,
      DATA_DIR: dataDir,
      USERS: [...users, `+ucloud-admin:${adminToken}`].join(','),
      PROVIDERS: `example=${gatewayUrl}=${providerToken}`,
      LOG_LEVEL: logLevel,
      LOG_FORMAT: logFormat,
      ...(tls && { ...serve, GATEWAY_CA_FILE: tls.caFile }),
      ...options.env?.orchestrator,
    },
  };

  const children = new Map<ComponentName, ChildProcess>();
  /** Children sent a signal by the stack: their exit is no surprise. */
  const asked = new WeakSet<ChildProcess>();
  /** Set once the stack is up: a component failing to start before that fails the start. */
  let supervisor: Supervisor<ComponentName> | undefined;

  /** Stops `name` with `signal`; with `graceMs`, SIGKILL follows if it has not exited by then. */
  const terminate = async (name: ComponentName, signal: NodeJS.Signals, graceMs?: number) => {
    const child = children.get(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    asked.add(child);
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill(signal);
    const force =
      graceMs === undefined
        ? undefined
        : setTimeout(() => {
            options.onNotice?.(name, `still running ${graceMs} ms after ${signal}; killing it`);
            child.kill('SIGKILL');
          }, graceMs);
    await exited;
    clearTimeout(force);
  };

  const launch = async (name: ComponentName, signal?: AbortSignal) => {
    const componentEnv = env[name];
    if (!componentEnv)
      throw new Error(`${name} is not part of this stack (its plugin is ${plugin})`);
    signal?.throwIfAborted();
    const main = name === plugin ? (options.pluginMain ?? MAINS[name]) : MAINS[name];
    const child = spawn(process.execPath, ['--import', EXIT_WITH_LAUNCHER, main], {
      env: { ...process.env, ...componentEnv },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.set(name, child);
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => options.onLog?.(name, line));
    }
    child.once('exit', (code, signal) => {
      if (children.get(name) === child) children.delete(name);
      if (asked.has(child)) return;
      options.onUnexpectedExit?.(name, code, signal);
      supervisor?.exited(name, code, signal);
    });
    try {
      await waitUntilListening(name, child, componentEnv, signal);
    } catch (err) {
      await terminate(name, 'SIGTERM', STOP_GRACE_MS);
      throw err;
    }
    supervisor?.up(name);
  };

  const stopAll = async () => {
    supervisor?.close();
    for (const name of ['orchestrator', 'gateway', plugin] as const) {
      await terminate(name, 'SIGTERM', STOP_GRACE_MS);
    }
  };
  try {
    // Plugin first, orchestrator last: each one's peer is there when it starts.
    await launch(plugin, options.signal);
    await launch('gateway', options.signal);
    await launch('orchestrator', options.signal);
    const quota = options.demoCredits ?? DEMO_QUOTA;
    if (freshDatabase && quota > 0) {
      // `name:token`, `+name:token` for an administrator.
      const usernames = users.map((u) => u.replace(/:.*/, '').replace(/^\+/, ''));
      await grantCredits(url, adminToken, usernames, quota, tls?.caFile);
    }
    options.signal?.throwIfAborted();
  } catch (err) {
    // A stack that fails to start, or is told to stop while starting, leaves nothing behind.
    await stopAll();
    throw err;
  }
  if (options.supervise) {
    supervisor = new Supervisor({
      start: (name) => launch(name),
      log: (name, message) => options.onNotice?.(name, message),
    });
  }

  return {
    url,
    userToken,
    adminToken,
    tokensFile: kept.file,
    providerToken,
    gatewayUrl,
    pluginAddress: `127.0.0.1:${pluginPort}`,
    async kill(name, signal = 'SIGTERM') {
      supervisor?.release(name);
      await terminate(name, signal);
    },
    async start(name) {
      supervisor?.release(name);
      await launch(name);
    },
    stop: stopAll,
  };
}

/**
 * Resolves once the component accepts connections on its port; rejects if it dies first or
 * `signal` is aborted.
 */
async function waitUntilListening(
  name: ComponentName,
  child: ChildProcess,
  env: Record<string, string>,
  signal: AbortSignal | undefined,
): Promise<void> {
  const address =
    name === 'orchestrator' || name === 'gateway'
      ? env.PORT && `${env.HOST ?? '127.0.0.1'}:${env.PORT}`
      : env.GRPC_ADDRESS;
  if (!address) throw new Error(`${name} is given no address to listen on`);
  const [host, port] = [
    address.slice(0, address.lastIndexOf(':')),
    Number(address.slice(address.lastIndexOf(':') + 1)),
  ];
  const { connect } = await import('node:net');
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    signal?.throwIfAborted();
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(
        `${name} exited during start (code ${String(child.exitCode ?? child.signalCode)})`,
      );
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
