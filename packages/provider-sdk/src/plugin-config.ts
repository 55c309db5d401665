import { z } from 'zod';

/**
 * Plugins read their environment with contracts' `parseEnv`, as the orchestrator and gateway do;
 * a bad setting is a ConfigurationError (`Invalid configuration: PRODUCTS: …`).
 */
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
