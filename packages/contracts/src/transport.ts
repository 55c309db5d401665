import { readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { ConfigError } from './config.js';
import { errorMessage } from './errors.js';

/**
 * Whether `host` (a name, an IPv4 address, or an IPv6 address with or without brackets) is this
 * machine's loopback: the one place plaintext between the parts is allowed without ALLOW_PLAINTEXT.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h === '::1' || h.startsWith('::ffff:127.');
}

/** The host of a `host:port` or `[v6]:port` address. */
export function hostOf(address: string): string {
  return address.replace(/:\d+$/, '');
}

/** The contents of the file a setting names; ConfigError naming the setting when unreadable. */
export function readSettingFile(setting: string, path: string, appName?: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ConfigError(`${setting}: cannot read ${path}: ${errorMessage(error)}`, appName);
  }
}

/** How often a secret file is checked for a change: a stat per second, not per request. */
export const SECRET_RECHECK_MS = 1000;

/**
 * A secret kept in a file, read again when the file's modification time or size changes (checked
 * at most once a second): an operator rotates it by rewriting the file, with no restart. A file
 * that cannot be read for a moment (being replaced) leaves the last value in use.
 */
export function secretFile(setting: string, path: string, appName?: string): () => string {
  const read = (): string => {
    const value = readSettingFile(setting, path, appName).toString('utf8').trim();
    if (value === '') throw new ConfigError(`${setting}: ${path} is empty`, appName);
    return value;
  };
  const stamp = () => {
    const s = statSync(path);
    return `${s.mtimeMs}:${s.size}`;
  };
  let value = read();
  let seen = stamp();
  let checkedAt = Date.now();
  return () => {
    if (Date.now() - checkedAt < SECRET_RECHECK_MS) return value;
    checkedAt = Date.now();
    try {
      const now = stamp();
      if (now !== seen) {
        value = read();
        seen = now;
      }
    } catch {
      // keep the last value: a rotation in progress is not an outage
    }
    return value;
  };
}
