import { z } from 'zod';
import { nullable, QueryInt } from './shared.js';

/**
 * Site-wide roles, apart from project roles: an administrator manages users and grants from the
 * root; an operator reads every wallet, job and project and changes nothing. Plain users have none.
 */
export const UserRole = z.enum(['ADMINISTRATOR', 'OPERATOR']);
export type UserRole = z.infer<typeof UserRole>;

const Username = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1–64 letters, digits, ".", "_" or "-"');

export const User = z.object({
  username: z.string(),
  roles: z.array(UserRole),
  disabled: z.boolean(),
  createdAt: z.number(),
});
export type User = z.infer<typeof User>;

export const UsersCreateItem = z.strictObject({
  username: Username,
  roles: z.array(UserRole).default([]),
});
export type UsersCreateItem = z.infer<typeof UsersCreateItem>;

export const UsernameItem = z.strictObject({ username: z.string().min(1, 'must not be empty') });
export type UsernameItem = z.infer<typeof UsernameItem>;

/** A token as listed: never the token itself, which is shown once, when it is issued. */
export const ApiToken = z.object({
  id: z.string(),
  username: z.string(),
  name: z.string(),
  createdAt: z.number(),
  expiresAt: nullable(z.number()),
  lastUsedAt: nullable(z.number()),
  revokedAt: nullable(z.number()),
});
export type ApiToken = z.infer<typeof ApiToken>;

export const TokensIssueItem = z.strictObject({
  /** Whose token; the caller's when absent (administrators issue for anyone). */
  username: nullable(z.string().min(1, 'must not be empty')),
  name: z.string().trim().min(1, 'must not be empty').max(128, 'at most 128 characters'),
  /** Epoch milliseconds; never expires when absent. */
  expiresAt: nullable(QueryInt.min(0)),
});
export type TokensIssueItem = z.infer<typeof TokensIssueItem>;

export type IssuedToken = ApiToken & { token: string };

export const TokensBrowseRequest = z.object({
  /** Whose tokens; the caller's when absent. */
  username: nullable(z.string().min(1, 'must not be empty')),
});
export type TokensBrowseRequest = z.infer<typeof TokensBrowseRequest>;

/**
 * How to sign in to this site besides pasting an API token: `GET /api/auth/sign-in`, answered
 * without a token. `oidc` is the identity provider's sign-in for the web interface (an
 * authorization code with PKCE, for the public client `clientId`), or null.
 */
export const SignInOptions = z.object({
  oidc: z
    .object({
      issuer: z.string(),
      clientId: z.string(),
      /** Space separated, as the authorization request's `scope`. */
      scopes: z.string(),
      authorizationEndpoint: z.string(),
      tokenEndpoint: z.string(),
    })
    .nullable(),
});
export type SignInOptions = z.infer<typeof SignInOptions>;
export type OidcWebSignIn = NonNullable<SignInOptions['oidc']>;
