import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { apiTokens, users } from '../db/schema.js';
import { newTokenId } from './tokens.js';

export type UserRow = typeof users.$inferSelect;
export type TokenRow = typeof apiTokens.$inferSelect;

/** The name of the token a USERS entry stands for (one per user, replaced when the entry changes). */
export const ENV_TOKEN_NAME = 'env';

/** Users and API tokens as stored; the rules on them are the Authenticator's and AccountsService's. */
export class AccountStore {
  constructor(private readonly db: Db) {}

  user(username: string): UserRow | undefined {
    return this.db.select().from(users).where(eq(users.username, username)).get();
  }

  users(): UserRow[] {
    return this.db.select().from(users).orderBy(asc(users.username)).all();
  }

  insertUser(row: Omit<UserRow, 'disabled'>): void {
    this.db.insert(users).values(row).run();
  }

  /** A user signing in for the first time (OIDC): created with no roles, unless they exist. */
  provisionUser(username: string, now: number): void {
    this.db.insert(users).values({ username, createdAt: now }).onConflictDoNothing().run();
  }

  setDisabled(username: string, disabled: boolean): void {
    this.db.update(users).set({ disabled }).where(eq(users.username, username)).run();
  }

  /**
   * What a USERS entry says: the user exists, with the administrator role as written there, and
   * the entry's token is their "env" token. A disabled user stays disabled.
   */
  upsertFromEnv(username: string, tokenHash: string, admin: boolean, now: number): void {
    this.db.$client
      .transaction(() => {
        this.db
          .insert(users)
          .values({ username, admin, createdAt: now })
          .onConflictDoUpdate({ target: users.username, set: { admin } })
          .run();
        const env = and(eq(apiTokens.username, username), eq(apiTokens.name, ENV_TOKEN_NAME));
        const existing = this.db.select().from(apiTokens).where(env).get();
        if (existing?.tokenHash === tokenHash && existing.revokedAt === null) return;
        if (existing) this.db.delete(apiTokens).where(eq(apiTokens.id, existing.id)).run();
        this.insertToken({
          username,
          name: ENV_TOKEN_NAME,
          tokenHash,
          createdAt: now,
          expiresAt: null,
        });
      })
      .immediate();
  }

  insertToken(
    row: Pick<TokenRow, 'username' | 'name' | 'tokenHash' | 'createdAt' | 'expiresAt'>,
  ): TokenRow {
    const token: TokenRow = { ...row, id: newTokenId(), lastUsedAt: null, revokedAt: null };
    this.db.insert(apiTokens).values(token).run();
    return token;
  }

  tokenByHash(tokenHash: string): TokenRow | undefined {
    return this.db.select().from(apiTokens).where(eq(apiTokens.tokenHash, tokenHash)).get();
  }

  token(id: string): TokenRow | undefined {
    return this.db.select().from(apiTokens).where(eq(apiTokens.id, id)).get();
  }

  tokensOf(username: string): TokenRow[] {
    return this.db
      .select()
      .from(apiTokens)
      .where(eq(apiTokens.username, username))
      .orderBy(asc(apiTokens.createdAt), asc(apiTokens.id))
      .all();
  }

  revoke(id: string, at: number): void {
    this.db.update(apiTokens).set({ revokedAt: at }).where(eq(apiTokens.id, id)).run();
  }

  touch(id: string, at: number): void {
    this.db.update(apiTokens).set({ lastUsedAt: at }).where(eq(apiTokens.id, id)).run();
  }
}
