import type { OidcWebSignIn, SignInOptions } from '@ucloud/contracts';
import * as oauth from 'oauth4webapi';

/** What the sign-in started, kept in the tab until the provider sends the user back. */
interface PendingSignIn {
  provider: OidcWebSignIn;
  codeVerifier: string;
  state: string;
  nonce: string;
  /** The page to return to once signed in. */
  next: string;
}

const PENDING_KEY = 'ucloud.oidc.pending';
/** The route the provider redirects to; registered at the provider as `<site>/auth/callback`. */
export const CALLBACK_PATH = '/auth/callback';

const redirectUri = () => `${location.origin}${CALLBACK_PATH}`;

/** The orchestrator's sign-in options: asked without a token, before anyone is signed in. */
export async function fetchSignInOptions(): Promise<SignInOptions> {
  const response = await fetch('/api/auth/sign-in');
  if (!response.ok)
    throw new Error(`The sign-in options could not be read (HTTP ${response.status})`);
  return (await response.json()) as SignInOptions;
}

/** Sends the browser to the identity provider: an authorization code request with PKCE (S256). */
export async function startSignIn(provider: OidcWebSignIn, next: string): Promise<void> {
  const pending: PendingSignIn = {
    provider,
    codeVerifier: oauth.generateRandomCodeVerifier(),
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
    next,
  };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const url = new URL(provider.authorizationEndpoint);
  url.searchParams.set('client_id', provider.clientId);
  url.searchParams.set('redirect_uri', redirectUri());
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', provider.scopes);
  url.searchParams.set(
    'code_challenge',
    await oauth.calculatePKCECodeChallenge(pending.codeVerifier),
  );
  url.searchParams.set('code_challenge_method', 'S256');
  url.searchParams.set('state', pending.state);
  url.searchParams.set('nonce', pending.nonce);
  location.assign(url.href);
}

/**
 * Completes a sign-in on the callback page: checks the state, exchanges the code (with the PKCE
 * verifier) at the token endpoint, and checks the ID token's issuer, audience and nonce. Answers
 * the ID token, which the orchestrator accepts as a bearer token, and the page to return to.
 */
export async function finishSignIn(callback: URL): Promise<{ token: string; next: string }> {
  const stored = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  if (stored === null) throw new Error('No sign-in was started in this tab: sign in again.');
  const pending = JSON.parse(stored) as PendingSignIn;
  const { provider } = pending;
  const server: oauth.AuthorizationServer = {
    issuer: provider.issuer,
    authorization_endpoint: provider.authorizationEndpoint,
    token_endpoint: provider.tokenEndpoint,
  };
  const client: oauth.Client = { client_id: provider.clientId };
  const params = oauth.validateAuthResponse(server, client, callback, pending.state);
  const response = await oauth.authorizationCodeGrantRequest(
    server,
    client,
    oauth.None(),
    params,
    redirectUri(),
    pending.codeVerifier,
    // An identity provider on this machine (development) may speak plain HTTP; any other may not.
    // oauth4webapi marks the option deprecated to make it stand out, which this is meant to.
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    { [oauth.allowInsecureRequests]: isLoopback(provider.tokenEndpoint) },
  );
  const result = await oauth.processAuthorizationCodeResponse(server, client, response, {
    expectedNonce: pending.nonce,
    requireIdToken: true,
  });
  if (!result.id_token) throw new Error('The identity provider answered without an ID token.');
  return { token: result.id_token, next: pending.next };
}

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
}

/** A failed sign-in as a sentence: the provider's own error where it sent one. */
export function describeSignInError(error: unknown): string {
  if (error instanceof oauth.AuthorizationResponseError || error instanceof oauth.ResponseBodyError)
    return `The identity provider refused the sign-in: ${error.error_description ?? error.error}`;
  return error instanceof Error ? error.message : String(error);
}
