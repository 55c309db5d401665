import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** What a config file may set: the connection options' values. */
export interface ConfigFile {
  url?: string;
  token?: string;
  project?: string;
}

/** The default orchestrator: what `npm start` serves. */
export const DEFAULT_URL = 'http://127.0.0.1:8080';

/** A config file that cannot be used; the message names the file and what is wrong with it. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** `$UCLOUD_CONFIG`, else `$XDG_CONFIG_HOME/ucloud/config.json`, else `~/.config/ucloud/config.json`. */
export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.UCLOUD_CONFIG) return env.UCLOUD_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'ucloud', 'config.json');
}

const KEYS = ['url', 'token', 'project'] as const;

/**
 * The config file's settings. A missing file is no settings, unless it was named explicitly
 * (`--config`, UCLOUD_CONFIG): then, as for a file that is not a JSON object of strings, a
 * ConfigError, so that a typo in its name does not silently fall back to the defaults.
 */
export function readConfig(path: string, named: boolean): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (!named && (e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ConfigError(`config file ${path}: ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`config file ${path}: not JSON: ${(e as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new ConfigError(`config file ${path}: expected a JSON object`);
  const config: ConfigFile = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!(KEYS as readonly string[]).includes(key))
      throw new ConfigError(`config file ${path}: unknown key ${key} (known: ${KEYS.join(', ')})`);
    if (typeof value !== 'string')
      throw new ConfigError(`config file ${path}: ${key} must be a string`);
    config[key as keyof ConfigFile] = value;
  }
  return config;
}

/** Flags and the environment (commander merged those) first, then the file, then the default. */
export function resolveConnection(
  given: ConfigFile,
  file: ConfigFile,
): Required<Pick<ConfigFile, 'url'>> & ConfigFile {
  return {
    // An empty variable (UCLOUD_PROJECT= …) counts as unset, as shells make it easy to clear one.
    url: given.url || file.url || DEFAULT_URL,
    token: given.token || file.token,
    project: given.project || file.project,
  };
}
