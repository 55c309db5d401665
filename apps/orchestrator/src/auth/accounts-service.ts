import {
  badRequest,
  conflict,
  forbidden,
  notFound,
  readsEverything,
  type AccountsService,
  type ApiToken,
  type BulkRequest,
  type FindByStringId,
  type IssuedToken,
  type TokensBrowseRequest,
  type TokensIssueItem,
  type User,
  type UserActor,
  type UserRole,
  type UsernameItem,
  type UsersCreateItem,
} from '@ucloud/contracts';
import type { Logger } from 'pino';
import { inTransaction, type Db } from '../db/client.js';
import type { AccountStore, TokenRow, UserRow } from './account-store.js';
import { hashToken, newToken } from './tokens.js';

const rolesOf = (u: Pick<UserRow, 'admin' | 'operator'>): UserRole[] => [
  ...(u.admin ? (['ADMINISTRATOR'] as const) : []),
  ...(u.operator ? (['OPERATOR'] as const) : []),
];

const userView = (u: UserRow): User => ({
  username: u.username,
  roles: rolesOf(u),
  disabled: u.disabled,
  createdAt: u.createdAt,
});

const tokenView = ({ tokenHash: _, ...t }: TokenRow): ApiToken => t;

/**
 * Administrators create and disable users and manage anyone's tokens; operators list them; every
 * user lists, issues and revokes their own tokens. Each change is logged for the audit (`audit`).
 */
export class AccountsServiceImpl implements AccountsService {
  constructor(
    private readonly db: Db,
    private readonly store: AccountStore,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  private audit(actor: UserActor, action: string, details: Record<string, unknown>): void {
    this.log.info({ audit: { by: actor.username, action, ...details } }, `audit: ${action}`);
  }

  private requireAdministrator(actor: UserActor, what: string): void {
    if (!actor.admin) throw forbidden(`Only administrators ${what}`);
  }

  /** Whose tokens a request is about: the caller's own, or anyone's for an administrator. */
  private tokenOwner(actor: UserActor, username: string | null, field: string, reading: boolean) {
    const owner = username ?? actor.username;
    const allowed = owner === actor.username || actor.admin || (reading && readsEverything(actor));
    if (!allowed) throw forbidden(`${field}: only administrators manage other users' tokens`);
    if (!this.store.user(owner)) throw notFound(`${field}: no user ${JSON.stringify(owner)}`);
    return owner;
  }

  createUsers(actor: UserActor, request: BulkRequest<UsersCreateItem>) {
    this.requireAdministrator(actor, 'create users');
    const createdAt = this.now();
    const responses = inTransaction(this.db, () =>
      request.items.map(({ username, roles }, i) => {
        if (this.store.user(username))
          throw conflict(`items[${i}].username: user ${username} already exists`);
        const admin = roles.includes('ADMINISTRATOR');
        const operator = roles.includes('OPERATOR');
        this.store.insertUser({ username, admin, operator, createdAt });
        return { username };
      }),
    );
    for (const { username, roles } of request.items)
      this.audit(actor, 'users.create', { username, roles });
    return Promise.resolve({ responses });
  }

  browseUsers(actor: UserActor) {
    if (!readsEverything(actor)) throw forbidden('Only administrators and operators list users');
    return Promise.resolve({ items: this.store.users().map(userView) });
  }

  disableUsers(actor: UserActor, request: BulkRequest<UsernameItem>) {
    this.requireAdministrator(actor, 'disable users');
    const responses = inTransaction(this.db, () =>
      request.items.map(({ username }, i) => {
        if (username === actor.username)
          throw badRequest(`items[${i}].username: administrators cannot disable themselves`);
        if (!this.store.user(username))
          throw notFound(`items[${i}].username: no user ${JSON.stringify(username)}`);
        this.store.setDisabled(username, true);
        return {};
      }),
    );
    for (const { username } of request.items) this.audit(actor, 'users.disable', { username });
    return Promise.resolve({ responses });
  }

  issueTokens(actor: UserActor, request: BulkRequest<TokensIssueItem>) {
    const createdAt = this.now();
    const responses = inTransaction(this.db, () =>
      request.items.map((item, i): IssuedToken => {
        const username = this.tokenOwner(actor, item.username, `items[${i}].username`, false);
        if (item.expiresAt !== null && item.expiresAt <= createdAt)
          throw badRequest(`items[${i}].expiresAt: must be in the future`);
        const token = newToken();
        const row = this.store.insertToken({
          username,
          name: item.name,
          tokenHash: hashToken(token),
          createdAt,
          expiresAt: item.expiresAt,
        });
        return { ...tokenView(row), token };
      }),
    );
    for (const { id, username, name, expiresAt } of responses)
      this.audit(actor, 'tokens.issue', { id, username, name, expiresAt });
    return Promise.resolve({ responses });
  }

  browseTokens(actor: UserActor, request: TokensBrowseRequest) {
    const owner = this.tokenOwner(actor, request.username, 'username', true);
    return Promise.resolve({ items: this.store.tokensOf(owner).map(tokenView) });
  }

  revokeTokens(actor: UserActor, request: BulkRequest<FindByStringId>) {
    const revokedAt = this.now();
    const revoked = inTransaction(this.db, () =>
      request.items.map(({ id }, i) => {
        const field = `items[${i}].id`;
        const row = this.store.token(id);
        // Someone else's token is as unknown as a missing one: ids say nothing to non-administrators.
        if (!row || (row.username !== actor.username && !actor.admin))
          throw notFound(`${field}: no token with id ${JSON.stringify(id)}`);
        if (row.revokedAt === null) this.store.revoke(id, revokedAt);
        return row;
      }),
    );
    for (const { id, username } of revoked) this.audit(actor, 'tokens.revoke', { id, username });
    return Promise.resolve({ responses: revoked.map(() => ({})) });
  }
}
