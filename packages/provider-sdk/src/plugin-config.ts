import { resolve } from 'node:path';
import { z } from 'zod';
import { type PluginTls, pluginTls, PluginTlsEnv, type PluginTlsValues } from './plugin-tls.js';

/**
 * Plugins read their environment with contracts' `parseEnv`, as the orchestrator and gateway do;
 * a bad setting is a ConfigurationError (`Invalid configuration: PRODUCTS: …`).
 */
import { parseEnv } from '@ucloud/contracts';

export { ConfigError as ConfigurationError, parseEnv } from '@ucloud/contracts';

export const LogLevel = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  .default('info');

/**
 * The `PRODUCTS` setting every plugin has: a JSON list of products (`id`, `category` and whatever
 * the plugin adds), `defaults` when unset, at least one, no id twice.
 */
export function productsSetting<T extends z.ZodType<{ id: string }>>(
  product: T,
  defaults: z.input<T>[],
) {
  return z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined) return defaults;
      try {
        const parsed: unknown = JSON.parse(text);
        return parsed;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'PRODUCTS is not valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(
      z
        .array(product)
        .min(1)
        .superRefine((products, ctx) => {
          const ids = products.map((p) => p.id);
          const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
          if (repeated !== undefined) {
            ctx.addIssue({ code: 'custom', message: `product "${repeated}" is listed twice` });
          }
        }),
    );
}

/** The defaults of the settings every plugin has. */
export interface PluginEnvDefaults<P extends z.ZodType<{ id: string }>> {
  grpcAddress: string;
  dataDir: string;
  /** The schema of one `PRODUCTS` entry: `ProductBase`, or the plugin's extension of it. */
  product: P;
  products: z.input<P>[];
}

/**
 * The environment every plugin reads — GRPC_ADDRESS, DATA_DIR, PROVIDER_ID (default `example`),
 * PRODUCTS, LOG_LEVEL and the TLS settings (plugin-tls.ts) — which a plugin extends with its own (`pluginEnv(…).extend({ … })`)
 * and reads with `readPluginEnv` (or `parseEnv` and `pluginConfig`).
 */
export function pluginEnv<P extends z.ZodType<{ id: string }>>(defaults: PluginEnvDefaults<P>) {
  return z.object({
    GRPC_ADDRESS: z.string().min(1).default(defaults.grpcAddress),
    DATA_DIR: z.string().min(1).default(defaults.dataDir),
    PROVIDER_ID: z.string().min(1).default('example'),
    PRODUCTS: productsSetting(defaults.product, defaults.products),
    LOG_LEVEL: LogLevel,
    ...PluginTlsEnv,
  });
}

/** The settings every plugin has, as `pluginConfig` gives them. */
export interface PluginConfig<Product> {
  grpcAddress: string;
  /** Absolute: the plugin's databases (and whatever else it keeps) live under it. */
  dataDir: string;
  providerId: string;
  products: Product[];
  logLevel: z.infer<typeof LogLevel>;
  /** null: plaintext (loopback, or ALLOW_PLAINTEXT); pass to `servePlugin` as `serverCredentials(tls)`. */
  tls: PluginTls | null;
}

/** The common settings of an environment read with `pluginEnv(…)`, DATA_DIR made absolute. */
export function pluginConfig<Product>(env: PluginEnvValues<Product>): PluginConfig<Product> {
  return {
    grpcAddress: env.GRPC_ADDRESS,
    dataDir: resolve(env.DATA_DIR),
    providerId: env.PROVIDER_ID,
    products: env.PRODUCTS,
    logLevel: env.LOG_LEVEL,
    tls: pluginTls(env),
  };
}

/** The settings `pluginEnv` reads. */
export interface PluginEnvValues<Product> extends PluginTlsValues {
  GRPC_ADDRESS: string;
  DATA_DIR: string;
  PROVIDER_ID: string;
  PRODUCTS: Product[];
  LOG_LEVEL: z.infer<typeof LogLevel>;
}

/**
 * Reads `env` with `schema` (`pluginEnv(…)`, extended) through `parseEnv`: `common` are the
 * settings every plugin has (DATA_DIR made absolute), `settings` all of them as read.
 */
export function readPluginEnv<S extends z.ZodType<PluginEnvValues<unknown>>>(
  schema: S,
  env: Readonly<Record<string, string | undefined>>,
): { common: PluginConfig<z.infer<S>['PRODUCTS'][number]>; settings: z.infer<S> } {
  const settings = parseEnv(schema, env);
  return { common: pluginConfig(settings), settings };
}
