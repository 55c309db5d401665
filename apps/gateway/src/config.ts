import {
  ConfigError,
  hostOf,
  isLoopbackHost,
  parseEnv,
  readSettingFile,
  secretFile,
} from '@ucloud/contracts';
import { z } from 'zod';

/** What the gateway presents to and trusts of a plugin served over TLS (PEM). */
export interface PluginTls {
  ca: Buffer;
  /** The client certificate and key, for plugins that require one (mutual TLS). */
  client: { cert: Buffer; key: Buffer } | null;
}

export interface PluginEndpoint {
  name: string;
  /** host:port of the plugin's gRPC server. */
  address: string;
  /** Absent: plaintext (loopback, or ALLOW_PLAINTEXT). */
  tls?: PluginTls;
}

/** A certificate chain and its key (PEM) to listen with HTTPS. */
export interface ServerTls {
  cert: Buffer;
  key: Buffer;
}

export interface GatewayConfig {
  port: number;
  host: string;
  providerId: string;
  /**
   * Shared secret: the orchestrator presents it to the gateway and the gateway to the orchestrator.
   * A function, as PROVIDER_TOKEN_FILE is read again when it changes.
   */
  providerToken: () => string;
  orchestratorUrl: string;
  /** CA the orchestrator's HTTPS certificate is checked against; null: the system's CAs. */
  orchestratorCa: Buffer | null;
  /** null: plain HTTP. */
  tls: ServerTls | null;
  /** Where users' browsers reach the gateway (session links); default: where it listens. */
  publicUrl: string | undefined;
  plugins: PluginEndpoint[];
  logLevel: LogLevel;
  /** Where Prometheus scrapes /metrics (over HTTPS with `tls`); absent or null: nowhere. */
  metrics?: { host: string; port: number } | null;
}

const LogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
export type LogLevel = z.infer<typeof LogLevel>;

const PLUGIN_ENTRY = /^([A-Za-z0-9_.-]+)=([^\s=:]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$/;

/** `native=127.0.0.1:50051,slurm=10.0.0.5:50052` → endpoints, rejecting malformed or repeated names. */
const PluginList = z.string().transform((list, ctx): PluginEndpoint[] => {
  const entries = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (entries.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'must name at least one plugin (name=host:port)' });
    return z.NEVER;
  }
  const plugins: PluginEndpoint[] = [];
  for (const entry of entries) {
    const match = PLUGIN_ENTRY.exec(entry);
    const [, name, host, port] = match ?? [];
    if (!name || !host || !port || Number(port) < 1 || Number(port) > 65535) {
      ctx.addIssue({ code: 'custom', message: `"${entry}" is not of the form name=host:port` });
      return z.NEVER;
    }
    if (plugins.some((p) => p.name === name)) {
      ctx.addIssue({ code: 'custom', message: `plugin "${name}" is listed twice` });
      return z.NEVER;
    }
    plugins.push({ name, address: `${host}:${port}` });
  }
  return plugins;
});

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  HOST: z.string().min(1).default('127.0.0.1'),
  PROVIDER_ID: z.string().min(1).default('example'),
  PROVIDER_TOKEN: z.string().min(1).optional(),
  PROVIDER_TOKEN_FILE: z.string().min(1).optional(),
  TLS_CERT_FILE: z.string().min(1).optional(),
  TLS_KEY_FILE: z.string().min(1).optional(),
  ORCHESTRATOR_CA_FILE: z.string().min(1).optional(),
  PLUGIN_CA_FILE: z.string().min(1).optional(),
  PLUGIN_CLIENT_CERT_FILE: z.string().min(1).optional(),
  PLUGIN_CLIENT_KEY_FILE: z.string().min(1).optional(),
  /** Plaintext off loopback (e.g. on a private network you trust, or behind a TLS proxy). */
  ALLOW_PLAINTEXT: z.stringbool().default(false),
  /** Serve Prometheus metrics at /metrics on this port (no token; unset: not served). */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  ORCHESTRATOR_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .default('http://127.0.0.1:8080')
    .transform((url) => url.replace(/\/+$/, '')),
  PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .transform((url) => url.replace(/\/+$/, ''))
    .optional(),
  PLUGINS: PluginList.default([{ name: 'native', address: '127.0.0.1:50051' }]),
  LOG_LEVEL: LogLevel.default('info'),
});

type Env = z.infer<typeof Env>;

export { ConfigError } from '@ucloud/contracts';

const APP = 'gateway';
const file = (setting: string, path: string) => readSettingFile(setting, path, APP);

/**
 * Reads the gateway's configuration from the environment (and the files it names); throws
 * ConfigError naming each bad variable, or a plaintext link off loopback without ALLOW_PLAINTEXT.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const e = parseEnv(Env, env, APP);
  const tls = serverTls(e);
  const pluginTls = pluginClientTls(e);
  const plaintext: string[] = [];
  if (!tls && !isLoopbackHost(e.HOST)) plaintext.push(`HOST ${e.HOST} without TLS_CERT_FILE`);
  if (e.METRICS_PORT !== undefined && !tls && !isLoopbackHost(e.METRICS_HOST))
    plaintext.push(`METRICS_HOST ${e.METRICS_HOST} without TLS_CERT_FILE`);
  const orchestratorHost = new URL(e.ORCHESTRATOR_URL).hostname;
  if (e.ORCHESTRATOR_URL.startsWith('http:') && !isLoopbackHost(orchestratorHost))
    plaintext.push(`ORCHESTRATOR_URL ${e.ORCHESTRATOR_URL} is not https`);
  for (const p of e.PLUGINS)
    if (!pluginTls && !isLoopbackHost(hostOf(p.address)))
      plaintext.push(`plugin ${p.name} at ${p.address} without PLUGIN_CA_FILE`);
  if (plaintext.length > 0 && !e.ALLOW_PLAINTEXT)
    throw new ConfigError(
      plaintext.map((p) => `plaintext off loopback: ${p} (set ALLOW_PLAINTEXT=true to allow)`),
      APP,
    );
  return {
    port: e.PORT,
    host: e.HOST,
    providerId: e.PROVIDER_ID,
    providerToken: providerToken(e),
    orchestratorUrl: e.ORCHESTRATOR_URL,
    orchestratorCa: e.ORCHESTRATOR_CA_FILE
      ? file('ORCHESTRATOR_CA_FILE', e.ORCHESTRATOR_CA_FILE)
      : null,
    tls,
    publicUrl: e.PUBLIC_URL,
    plugins: pluginTls ? e.PLUGINS.map((p) => ({ ...p, tls: pluginTls })) : e.PLUGINS,
    logLevel: e.LOG_LEVEL,
    metrics: e.METRICS_PORT === undefined ? null : { host: e.METRICS_HOST, port: e.METRICS_PORT },
  };
}

function providerToken(e: Env): () => string {
  if (e.PROVIDER_TOKEN && e.PROVIDER_TOKEN_FILE)
    throw new ConfigError('PROVIDER_TOKEN_FILE: set either it or PROVIDER_TOKEN, not both', APP);
  if (e.PROVIDER_TOKEN_FILE) return secretFile('PROVIDER_TOKEN_FILE', e.PROVIDER_TOKEN_FILE, APP);
  const token = e.PROVIDER_TOKEN;
  if (!token)
    throw new ConfigError(
      'PROVIDER_TOKEN: is required (the secret shared with the orchestrator), or PROVIDER_TOKEN_FILE',
      APP,
    );
  return () => token;
}

function serverTls(e: Env): ServerTls | null {
  if (!e.TLS_CERT_FILE !== !e.TLS_KEY_FILE)
    throw new ConfigError('TLS_CERT_FILE and TLS_KEY_FILE: set both or neither', APP);
  return e.TLS_CERT_FILE && e.TLS_KEY_FILE
    ? { cert: file('TLS_CERT_FILE', e.TLS_CERT_FILE), key: file('TLS_KEY_FILE', e.TLS_KEY_FILE) }
    : null;
}

function pluginClientTls(e: Env): PluginTls | null {
  const { PLUGIN_CA_FILE: ca, PLUGIN_CLIENT_CERT_FILE: cert, PLUGIN_CLIENT_KEY_FILE: key } = e;
  if (!cert !== !key)
    throw new ConfigError(
      'PLUGIN_CLIENT_CERT_FILE and PLUGIN_CLIENT_KEY_FILE: set both or neither',
      APP,
    );
  if (!ca) {
    if (cert) throw new ConfigError('PLUGIN_CLIENT_CERT_FILE: needs PLUGIN_CA_FILE', APP);
    return null;
  }
  return {
    ca: file('PLUGIN_CA_FILE', ca),
    client:
      cert && key
        ? { cert: file('PLUGIN_CLIENT_CERT_FILE', cert), key: file('PLUGIN_CLIENT_KEY_FILE', key) }
        : null,
  };
}
