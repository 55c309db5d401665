import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LauncherTokens {
  /** The demo user's bearer token. */
  user: string;
  /** The administrator `ucloud-admin`'s bearer token. */
  admin: string;
  /** Where they are kept. */
  file: string;
}

const KEYS = { user: 'DEMO_TOKEN', admin: 'ADMIN_TOKEN' } as const;

/**
 * The demo user's and the administrator's tokens, made once per data directory and kept in its
 * tokens.env (readable by its owner only), so that clients keep working across restarts.
 */
export function launcherTokens(dataDir: string): LauncherTokens {
  const file = join(dataDir, 'tokens.env');
  if (existsSync(file)) {
    const values = new Map(
      readFileSync(file, 'utf8')
        .split('\n')
        .map((line) => line.split('=', 2) as [string, string | undefined])
        .filter(([, value]) => value),
    );
    const user = values.get(KEYS.user);
    const admin = values.get(KEYS.admin);
    if (user && admin) return { user, admin, file };
  }
  const tokens = { user: newToken(), admin: newToken(), file };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${KEYS.user}=${tokens.user}\n${KEYS.admin}=${tokens.admin}\n`, {
    mode: 0o600,
  });
  // `mode` applies only to a file being created; an unreadable leftover may have other bits.
  chmodSync(file, 0o600);
  return tokens;
}

const newToken = () => `ucloud_${randomBytes(32).toString('base64url')}`;
