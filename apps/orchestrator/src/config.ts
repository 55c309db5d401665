import { parseEnv } from '@ucloud/contracts';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { checkOidcEnv, OidcEnv, oidcSettings } from './auth/oidc-config.js';

/** `id=url=token` triples, comma separated: the gateways this orchestrator talks to. */
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
  ...OidcEnv,
});

export type OrchestratorConfig = ReturnType<typeof loadConfig>;

/** Reads the orchestrator's configuration from the environment; throws ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const c = parseEnv(Env.superRefine(checkOidcEnv), env, 'orchestrator');
  const dataDir = resolve(c.DATA_DIR);
  return {
    port: c.PORT,
    host: c.HOST,
    dataDir,
    databaseFile: c.DATABASE_FILE ?? join(dataDir, 'orchestrator.sqlite'),
    catalogFile: c.CATALOG_FILE ?? null,
    providers: c.PROVIDERS,
    users: c.USERS,
    outboxPollMs: c.OUTBOX_POLL_MS,
    verifyIntervalMs: c.VERIFY_INTERVAL_MS,
    expiryGraceMs: c.EXPIRY_GRACE_MS,
    accountingMinuteMs: c.ACCOUNTING_MINUTE_MS,
    accountingTickMs: c.ACCOUNTING_TICK_MS,
    logLevel: c.LOG_LEVEL,
    /** null: bearer JWTs are not accepted, every token is an API token. */
    oidc: oidcSettings(c),
  };
}
