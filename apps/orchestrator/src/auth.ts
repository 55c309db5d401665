import type { Actor } from '@ucloud/contracts';
import { eq } from 'drizzle-orm';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Db } from './db/client.js';
import { users } from './db/schema.js';
import type { ProjectStore } from './projects/store.js';

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(hashToken(a));
  const y = Buffer.from(hashToken(b));
  return timingSafeEqual(x, y);
}

/** Resolves bearer tokens to actors: users from the database, providers from configuration. */
export class Authenticator {
  constructor(
    private readonly db: Db,
    private readonly providers: ReadonlyArray<{ id: string; token: string }>,
    private readonly projects: Pick<ProjectStore, 'roleOf'>,
  ) {}

  /** Creates or updates a user and their token, as the USERS configuration lists them. */
  upsertUser(username: string, token: string, admin: boolean): void {
    const tokenHash = hashToken(token);
    this.db
      .insert(users)
      .values({ username, tokenHash, admin, createdAt: Date.now() })
      .onConflictDoUpdate({ target: users.username, set: { tokenHash, admin } })
      .run();
  }

  /**
   * `project` is the request's `Project` header: the workspace a user acts in. Their role in it is
   * looked up here, once per request (none when they are not a member; the API then refuses).
   */
  resolve(authorization: string | undefined, project?: string): Actor | null {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    const token = match?.[1];
    if (!token) return null;
    const provider = this.providers.find((p) => sameSecret(p.token, token));
    if (provider) return { kind: 'provider', providerId: provider.id };
    const user = this.db
      .select()
      .from(users)
      .where(eq(users.tokenHash, hashToken(token)))
      .get();
    if (!user) return null;
    const workspace = project || null;
    return {
      kind: 'user',
      username: user.username,
      admin: user.admin,
      project: workspace,
      role: workspace === null ? null : this.projects.roleOf(workspace, user.username),
    };
  }
}
