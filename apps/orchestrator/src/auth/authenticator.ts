import { ApiError, forbidden, type Actor } from '@ucloud/contracts';
import { timingSafeEqual } from 'node:crypto';
import type { ProjectStore } from '../projects/store.js';
import type { AccountStore, UserRow } from './account-store.js';
import { looksLikeJwt, type OidcVerifier } from './oidc.js';
import { hashToken } from './tokens.js';

/** A token's last use is written at most this often: a read per request, not a write. */
export const LAST_USED_RESOLUTION_MS = 60_000;

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(hashToken(a));
  const y = Buffer.from(hashToken(b));
  return timingSafeEqual(x, y);
}

const unauthorized = (message: string) => new ApiError('UNAUTHORIZED', message);
const date = (ms: number) => new Date(ms).toISOString();
const disabled = (user: UserRow) => forbidden(`The user ${user.username} is disabled`);

type Resolution = Actor | ApiError;

/**
 * The one place that turns a bearer token into an actor: API tokens of users from the database,
 * providers (gateways) from configuration, and an identity provider's JWTs when OIDC is set up.
 */
export class Authenticator {
  constructor(
    private readonly accounts: AccountStore,
    private readonly providers: ReadonlyArray<{ id: string; token: () => string }>,
    private readonly projects: Pick<ProjectStore, 'roleOf'>,
    private readonly now: () => number = Date.now,
    private readonly oidc: OidcVerifier | null = null,
  ) {}

  /** Makes the USERS configuration's users and tokens valid (a bootstrap for scripts and tests). */
  upsertUser(username: string, token: string, admin: boolean): void {
    this.accounts.upsertFromEnv(username, hashToken(token), admin, this.now());
  }

  /**
   * null when no token was sent; an ApiError saying why a token sent is refused. `project` is the
   * request's `Project` header: the workspace a user acts in. Their role in it is looked up here,
   * once per request (none when they are not a member; the API then refuses). Only a JWT, whose
   * keys may have to be fetched, resolves asynchronously.
   */
  resolve(
    authorization: string | undefined,
    project?: string,
  ): Resolution | null | Promise<Resolution> {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    const token = match?.[1];
    if (!token) return null;
    const provider = this.providers.find((p) => sameSecret(p.token(), token));
    if (provider) return { kind: 'provider', providerId: provider.id };
    if (this.oidc && looksLikeJwt(token)) return this.resolveJwt(this.oidc, token, project);
    const row = this.accounts.tokenByHash(hashToken(token));
    if (!row) return unauthorized('The bearer token is not known');
    const now = this.now();
    if (row.revokedAt !== null)
      return unauthorized(`The bearer token was revoked on ${date(row.revokedAt)}`);
    if (row.expiresAt !== null && row.expiresAt <= now)
      return unauthorized(`The bearer token expired on ${date(row.expiresAt)}`);
    const user = this.accounts.user(row.username);
    if (!user) return unauthorized('The bearer token is not known');
    if (user.disabled) return disabled(user);
    if (row.lastUsedAt === null || now - row.lastUsedAt >= LAST_USED_RESOLUTION_MS)
      this.accounts.touch(row.id, now);
    return this.actorOf(user, project);
  }

  /** A signed-in user is provisioned on first sign-in: created with no roles. */
  private async resolveJwt(oidc: OidcVerifier, token: string, project?: string) {
    const username = await oidc.verify(token, new Date(this.now()));
    if (username instanceof ApiError) return username;
    this.accounts.provisionUser(username, this.now());
    const user = this.accounts.user(username);
    if (!user) throw new Error(`user ${username} was provisioned but is not stored`);
    if (user.disabled) return disabled(user);
    return this.actorOf(user, project);
  }

  private actorOf(user: UserRow, project?: string): Actor {
    const workspace = project || null;
    return {
      kind: 'user',
      username: user.username,
      admin: user.admin,
      operator: user.operator,
      project: workspace,
      role: workspace === null ? null : this.projects.roleOf(workspace, user.username),
    };
  }
}
