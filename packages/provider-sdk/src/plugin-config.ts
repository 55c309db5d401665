import { z } from 'zod';

/** The configuration a plugin reads from its environment is invalid; the message names the setting. */
export class ConfigurationError extends Error {
  constructor(problem: string) {
    super(`Invalid configuration: ${problem}`);
    this.name = 'ConfigurationError';
  }
}

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

/** Parses the environment with `schema`, or throws a ConfigurationError naming every bad setting. */
export function parseEnv<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv): z.output<T> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigurationError(problems.join('; '));
  }
  return parsed.data;
}
