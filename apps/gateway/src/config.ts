import { parseEnv } from '@ucloud/contracts';
import { z } from 'zod';

export interface PluginEndpoint {
  name: string;
  /** host:port of the plugin's gRPC server. */
  address: string;
}

export interface GatewayConfig {
  port: number;
  host: string;
  providerId: string;
  /** Shared secret: the orchestrator presents it to the gateway and the gateway to the orchestrator. */
  providerToken: string;
  orchestratorUrl: string;
  /** Where users' browsers reach the gateway (session links); default: where it listens. */
  publicUrl: string | undefined;
  plugins: PluginEndpoint[];
  logLevel: LogLevel;
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
  PROVIDER_TOKEN: z
    .string({ error: 'is required (the secret shared with the orchestrator)' })
    .min(1, 'is required (the secret shared with the orchestrator)'),
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

export { ConfigError } from '@ucloud/contracts';

/** Reads the gateway's configuration from the environment; throws ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const e = parseEnv(Env, env, 'gateway');
  return {
    port: e.PORT,
    host: e.HOST,
    providerId: e.PROVIDER_ID,
    providerToken: e.PROVIDER_TOKEN,
    orchestratorUrl: e.ORCHESTRATOR_URL,
    publicUrl: e.PUBLIC_URL,
    plugins: e.PLUGINS,
    logLevel: e.LOG_LEVEL,
  };
}
