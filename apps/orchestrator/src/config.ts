import {
  ConfigError,
  isLoopbackHost,
  parseEnv,
  readSettingFile,
  secretFile,
} from '@ucloud/contracts';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { checkOidcEnv, OidcEnv, oidcSettings } from './auth/oidc-config.js';

/**
 * `id=url=token` triples, comma separated: the gateways this orchestrator talks to. A token of the
 * form `@/path` is read from that file, and again whenever the file changes (rotation).
 */
const Providers = z.string().transform((s, ctx) =>
  s
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((entry) => {
      const [id, url, token] = entry.split('=');
      if (!id || !url || !token) {
        ctx.addIssue({ code: 'custom', message: `"${entry}" is not of the form id=url=token` });
        return { id: '', url: '', token: '' };
      }
      return { id, url: url.replace(/\/$/, ''), token };
    }),
);

/** `username:token` pairs, comma separated; a `+` before the name makes the user an administrator. */
const Users = z.string().transform((s, ctx) =>
  s
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((entry) => {
      const [rawName, token] = entry.split(':');
      if (!rawName || !token)
        ctx.addIssue({ code: 'custom', message: `"${entry}" is not of the form username:token` });
      const admin = rawName?.startsWith('+') ?? false;
      return { username: (rawName ?? '').replace(/^\+/, ''), token: token ?? '', admin };
    }),
);

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('127.0.0.1'),
  DATA_DIR: z.string().default('./data'),
  DATABASE_FILE: z.string().optional(),
  CATALOG_FILE: z.string().optional(),
  PROVIDERS: Providers.default([]),
  USERS: Users.default([]),
  /** How often the outbox is polled besides being woken on commit. */
  OUTBOX_POLL_MS: z.coerce.number().int().min(10).default(1000),
  /** How often each provider is sent its active jobs to report the ones it does not know. */
  VERIFY_INTERVAL_MS: z.coerce.number().int().min(100).default(60_000),
  /** How long past its deadline a job may still run before the orchestrator expires it itself. */
  EXPIRY_GRACE_MS: z.coerce.number().int().min(0).default(30_000),
  /** The length of an accounting "minute": PERIODIC_MINUTE categories charge per this, HOUR per 60 of it. */
  ACCOUNTING_MINUTE_MS: z.coerce.number().int().min(100).default(60_000),
  /** How often running jobs are checked for periods to charge. */
  ACCOUNTING_TICK_MS: z.coerce.number().int().min(10).default(1000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** HTTPS for every face (users, web interface, gateways): PEM certificate chain and key. */
  TLS_CERT_FILE: z.string().min(1).optional(),
  TLS_KEY_FILE: z.string().min(1).optional(),
  /** CA the gateways' certificates are checked against (https PROVIDERS URLs); else the system's. */
  GATEWAY_CA_FILE: z.string().min(1).optional(),
  /** Plaintext off loopback (a private network you trust, or behind a TLS-terminating proxy). */
  ALLOW_PLAINTEXT: z.stringbool().default(false),
  /** Serve Prometheus metrics at /metrics on this port (no token; unset: not served). */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  ...OidcEnv,
});

export type OrchestratorConfig = ReturnType<typeof loadConfig>;

const APP = 'orchestrator';
const file = (setting: string, path: string) => readSettingFile(setting, path, APP);

/**
 * Reads the orchestrator's configuration from the environment (and the files it names); throws
 * ConfigError naming each bad variable, or a plaintext link off loopback without ALLOW_PLAINTEXT.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const c = parseEnv(Env.superRefine(checkOidcEnv), env, APP);
  const dataDir = resolve(c.DATA_DIR);
  const tls = serverTls(c);
  const plaintext: string[] = [];
  if (!tls && !isLoopbackHost(c.HOST)) plaintext.push(`HOST ${c.HOST} without TLS_CERT_FILE`);
  if (c.METRICS_PORT !== undefined && !tls && !isLoopbackHost(c.METRICS_HOST))
    plaintext.push(`METRICS_HOST ${c.METRICS_HOST} without TLS_CERT_FILE`);
  for (const p of c.PROVIDERS)
    if (p.url.startsWith('http:') && !isLoopbackHost(new URL(p.url).hostname))
      plaintext.push(`provider ${p.id} at ${p.url} is not https`);
  if (plaintext.length > 0 && !c.ALLOW_PLAINTEXT)
    throw new ConfigError(
      plaintext.map((p) => `plaintext off loopback: ${p} (set ALLOW_PLAINTEXT=true to allow)`),
      APP,
    );
  return {
    port: c.PORT,
    host: c.HOST,
    tls,
    gatewayCa: c.GATEWAY_CA_FILE ? file('GATEWAY_CA_FILE', c.GATEWAY_CA_FILE) : null,
    dataDir,
    databaseFile: c.DATABASE_FILE ?? join(dataDir, 'orchestrator.sqlite'),
    catalogFile: c.CATALOG_FILE ?? null,
    providers: c.PROVIDERS.map(({ id, url, token }) => ({
      id,
      url,
      token: token.startsWith('@')
        ? secretFile(`PROVIDERS (${id})`, token.slice(1), APP)
        : () => token,
    })),
    users: c.USERS,
    outboxPollMs: c.OUTBOX_POLL_MS,
    verifyIntervalMs: c.VERIFY_INTERVAL_MS,
    expiryGraceMs: c.EXPIRY_GRACE_MS,
    accountingMinuteMs: c.ACCOUNTING_MINUTE_MS,
    accountingTickMs: c.ACCOUNTING_TICK_MS,
    logLevel: c.LOG_LEVEL,
    /** Where /metrics is served (over TLS with `tls`); null: nowhere. */
    metrics: c.METRICS_PORT === undefined ? null : { host: c.METRICS_HOST, port: c.METRICS_PORT },
    /** null: bearer JWTs are not accepted, every token is an API token. */
    oidc: oidcSettings(c),
  };
}

function serverTls(c: z.output<typeof Env>): { cert: Buffer; key: Buffer } | null {
  if (!c.TLS_CERT_FILE !== !c.TLS_KEY_FILE)
    throw new ConfigError('TLS_CERT_FILE and TLS_KEY_FILE: set both or neither', APP);
  return c.TLS_CERT_FILE && c.TLS_KEY_FILE
    ? { cert: file('TLS_CERT_FILE', c.TLS_CERT_FILE), key: file('TLS_KEY_FILE', c.TLS_KEY_FILE) }
    : null;
}
