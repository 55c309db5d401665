import { ApiError, serviceUnavailable, type OidcWebSignIn } from '@ucloud/contracts';
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JWTPayload,
} from 'jose';
import { z } from 'zod';
import type { OidcSettings } from './oidc-config.js';

type KeySet = ReturnType<typeof createRemoteJWKSet>;

const refused = (message: string) => new ApiError('UNAUTHORIZED', message);
const date = (seconds: unknown) =>
  typeof seconds === 'number' ? new Date(seconds * 1000).toISOString() : 'an unknown time';

/**
 * Three dot-separated base64url parts. The signature may be empty, so that an unsigned token
 * (`alg: none`) reaches the verifier and is refused as such, not as an unknown API token.
 */
export const looksLikeJwt = (token: string) => /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token);

const Discovery = z.object({
  jwks_uri: z.url(),
  authorization_endpoint: z.url().optional(),
  token_endpoint: z.url().optional(),
});
type Discovery = z.infer<typeof Discovery>;

/** Verifies identity providers' bearer JWTs against the provider's published keys (JWKS). */
export class OidcVerifier {
  private keySet: Promise<KeySet> | null = null;
  private discovery: Promise<Discovery> | null = null;

  constructor(private readonly settings: OidcSettings) {}

  /** The username the token names, or why it is refused. */
  async verify(token: string, now: Date): Promise<string | ApiError> {
    const { issuer, audience, algorithms, clockToleranceS, usernameClaims, webClient } =
      this.settings;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, await this.keys(), {
        issuer,
        // The web interface signs in with the provider's ID token, whose audience is its client id.
        audience: webClient ? [audience, webClient.clientId] : audience,
        algorithms,
        clockTolerance: clockToleranceS,
        currentDate: now,
      }));
    } catch (e) {
      return this.refusal(e, token);
    }
    for (const claim of usernameClaims) {
      const name = payload[claim];
      if (typeof name === 'string' && name !== '') return name;
    }
    return refused(
      `The identity provider's token has no ${usernameClaims.join(' or ')} claim to name its user`,
    );
  }

  /**
   * createRemoteJWKSet caches the keys and refetches them for a key id it does not know (a
   * rotation). Discovery runs once; a failed one is retried by the next sign-in.
   */
  private keys(): Promise<KeySet> {
    this.keySet ??= this.jwksUrl().then(
      (url) => createRemoteJWKSet(new URL(url)),
      (e: unknown) => {
        this.keySet = null;
        throw e;
      },
    );
    return this.keySet;
  }

  /**
   * What the web interface needs to send a user to the provider's sign-in (authorization code
   * with PKCE); null when no web client is configured.
   */
  async webSignIn(): Promise<OidcWebSignIn | null> {
    const { webClient, issuer } = this.settings;
    if (!webClient) return null;
    const { authorization_endpoint, token_endpoint } = await this.discover();
    if (!authorization_endpoint || !token_endpoint)
      throw serviceUnavailable(
        "The identity provider's configuration names no authorization or token endpoint",
      );
    return {
      issuer,
      clientId: webClient.clientId,
      scopes: webClient.scopes,
      authorizationEndpoint: authorization_endpoint,
      tokenEndpoint: token_endpoint,
    };
  }

  private async jwksUrl(): Promise<string> {
    return this.settings.jwksUrl ?? (await this.discover()).jwks_uri;
  }

  /** The issuer's /.well-known/openid-configuration, read once; a failed read is retried next time. */
  private discover(): Promise<Discovery> {
    const url = `${this.settings.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    this.discovery ??= (async () => {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        return Discovery.parse(await response.json());
      } catch (e) {
        this.discovery = null;
        throw serviceUnavailable(
          `The identity provider's configuration at ${url} could not be read: ${message(e)}`,
        );
      }
    })();
    return this.discovery;
  }

  private refusal(e: unknown, token: string): ApiError {
    const { issuer, audience, algorithms } = this.settings;
    if (e instanceof ApiError) return e;
    if (e instanceof errors.JWTExpired)
      return refused(`The identity provider's token expired at ${date(e.payload.exp)}`);
    if (e instanceof errors.JWTClaimValidationFailed) {
      if (e.claim === 'aud')
        return refused(
          `The identity provider's token is not meant for this site (audience ${audience})`,
        );
      if (e.claim === 'iss')
        return refused(`The identity provider's token was not issued by ${issuer}`);
      if (e.claim === 'nbf')
        return refused(`The identity provider's token is not valid before ${date(e.payload.nbf)}`);
      return refused(`The identity provider's token is refused: ${e.message}`);
    }
    if (e instanceof errors.JOSEAlgNotAllowed || e instanceof errors.JOSENotSupported) {
      const alg = algorithmOf(token);
      return refused(
        alg === 'none'
          ? "The identity provider's token is unsigned (alg: none)"
          : `The identity provider's token is signed with ${alg}, which is not allowed (${algorithms.join(', ')})`,
      );
    }
    if (e instanceof errors.JWSSignatureVerificationFailed)
      return refused("The identity provider's token has a signature its keys do not verify");
    if (e instanceof errors.JWKSNoMatchingKey)
      return refused(
        "The identity provider's token is signed with a key the provider does not publish",
      );
    if (e instanceof errors.JWSInvalid || e instanceof errors.JWTInvalid)
      return refused(`The bearer token is not a valid JWT: ${e.message}`);
    // The keys could not be fetched (the provider is down, or answers something else).
    return serviceUnavailable(`The identity provider's keys could not be fetched: ${message(e)}`);
  }
}

function algorithmOf(token: string): string {
  try {
    return String(decodeProtectedHeader(token).alg);
  } catch {
    return 'an unknown algorithm';
  }
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
