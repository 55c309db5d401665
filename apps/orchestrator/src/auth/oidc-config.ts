import { z } from 'zod';

/**
 * Signature algorithms an operator may allow: asymmetric ones only. `none` would accept unsigned
 * tokens, and the HS* family would make the JWKS's public material a shared secret.
 */
export const OIDC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;
export type OidcAlgorithm = (typeof OIDC_ALGORITHMS)[number];

/** Comma-separated algorithms, each one of OIDC_ALGORITHMS. */
const Algorithms = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.enum(OIDC_ALGORITHMS)).min(1));

/** The orchestrator's OIDC variables; unset OIDC_ISSUER means bearer JWTs are not accepted. */
export const OidcEnv = {
  OIDC_ISSUER: z.url().optional(),
  OIDC_AUDIENCE: z.string().optional(),
  /** Unset: the `jwks_uri` of the issuer's /.well-known/openid-configuration. */
  OIDC_JWKS_URL: z.url().optional(),
  /** Unset: `preferred_username`, else `sub`. */
  OIDC_USERNAME_CLAIM: z.string().optional(),
  OIDC_ALGORITHMS: Algorithms.default(['RS256', 'ES256']),
  /** Seconds of clock difference allowed when checking `exp` and `nbf`. */
  OIDC_CLOCK_TOLERANCE_S: z.coerce.number().int().min(0).max(600).default(30),
  /**
   * The web interface's client id at the identity provider (a public client, authorization code
   * with PKCE). Set: the sign-in page offers the provider's sign-in, and ID tokens for this
   * client (whose audience is the client id) are accepted besides OIDC_AUDIENCE.
   */
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  /** Scopes the web interface asks for, space separated. */
  OIDC_SCOPES: z.string().default('openid profile'),
};

type OidcVars = z.output<z.ZodObject<typeof OidcEnv>>;

export interface OidcSettings {
  issuer: string;
  audience: string;
  jwksUrl: string | null;
  /** Tried in order; the first present names the user. */
  usernameClaims: string[];
  algorithms: OidcAlgorithm[];
  clockToleranceS: number;
  /** null: the web interface offers no sign-in with the provider. */
  webClient: { clientId: string; scopes: string } | null;
}

/** A token for someone else's client is not a sign-in here: an issuer needs an audience. */
export function checkOidcEnv(c: OidcVars, ctx: z.RefinementCtx): void {
  if (c.OIDC_ISSUER && !c.OIDC_AUDIENCE)
    ctx.addIssue({ code: 'custom', path: ['OIDC_AUDIENCE'], message: 'required with OIDC_ISSUER' });
  if (c.OIDC_CLIENT_ID && !c.OIDC_ISSUER)
    ctx.addIssue({ code: 'custom', path: ['OIDC_CLIENT_ID'], message: 'needs OIDC_ISSUER' });
}

export function oidcSettings(c: OidcVars): OidcSettings | null {
  if (!c.OIDC_ISSUER || !c.OIDC_AUDIENCE) return null;
  return {
    issuer: c.OIDC_ISSUER,
    audience: c.OIDC_AUDIENCE,
    jwksUrl: c.OIDC_JWKS_URL ?? null,
    usernameClaims: c.OIDC_USERNAME_CLAIM ? [c.OIDC_USERNAME_CLAIM] : ['preferred_username', 'sub'],
    algorithms: c.OIDC_ALGORITHMS,
    clockToleranceS: c.OIDC_CLOCK_TOLERANCE_S,
    webClient: c.OIDC_CLIENT_ID ? { clientId: c.OIDC_CLIENT_ID, scopes: c.OIDC_SCOPES } : null,
  };
}
