import type { z } from 'zod';

/** A configuration read from the environment is invalid; the message names every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** `VAR: reason`, one a problem. */
  readonly problems: readonly string[];

  /** `Invalid <appName> configuration: <problem>; <problem>` (without an app name, `Invalid configuration: …`). */
  constructor(problems: string | readonly string[], appName?: string) {
    const list = typeof problems === 'string' ? [problems] : problems;
    super(`Invalid ${appName ? `${appName} ` : ''}configuration: ${list.join('; ')}`);
    this.problems = list;
  }
}

/**
 * An app's configuration from its environment, parsed with `schema` (a zod object of variables),
 * or a ConfigError listing `VAR: reason` for every issue (`PRODUCTS.0.category: …` inside a
 * variable's JSON). An empty variable counts as unset, so `PORT= npm start` gets the default.
 */
export function parseEnv<T extends z.ZodType>(
  schema: T,
  env: Readonly<Record<string, string | undefined>>,
  appName?: string,
): z.output<T> {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = schema.safeParse(present);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map((issue) => {
      const path = issue.path.map(String).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    }),
    appName,
  );
}
