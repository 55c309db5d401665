import { ApiError, parseEnv } from '@ucloud/contracts';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/client.js';
import { AccountStore } from './account-store.js';
import { Authenticator } from './authenticator.js';
import { OidcVerifier } from './oidc.js';
import { oidcSettings, OidcEnv } from './oidc-config.js';
import { z } from 'zod';

const NOW = Date.parse('2030-01-01T00:00:00Z');
const ISSUER = 'https://idp.example.org/realms/site';
const AUDIENCE = 'ucloud';

let server: Server;
let jwksUrl: string;
let issuerUrl: string;
let key: CryptoKey;
let stranger: CryptoKey;

/** Serves the test's JWKS (one RS256 key, kid "k1") and a discovery document pointing at it. */
beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  key = pair.privateKey;
  stranger = (await generateKeyPair('RS256')).privateKey;
  const jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256' }] };
  server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/jwks') return res.end(JSON.stringify(jwks));
    if (req.url === '/idp/.well-known/openid-configuration')
      return res.end(
        JSON.stringify({
          issuer: issuerUrl,
          jwks_uri: jwksUrl,
          authorization_endpoint: `${issuerUrl}/auth`,
          token_endpoint: `${issuerUrl}/token`,
        }),
      );
    res.statusCode = 404;
    res.end('{}');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  jwksUrl = `${base}/jwks`;
  issuerUrl = `${base}/idp`;
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));

const sign = (claims: JWTPayload, signer = key, kid = 'k1') =>
  new SignJWT({
    preferred_username: 'alice',
    iss: ISSUER,
    aud: AUDIENCE,
    iat: NOW / 1000 - 60,
    exp: NOW / 1000 + 3600,
    ...claims,
  })
    .setProtectedHeader({ alg: 'RS256', kid })
    .sign(signer);

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

function setup(env: Record<string, string> = {}) {
  const vars = parseEnv(z.object(OidcEnv), {
    OIDC_ISSUER: ISSUER,
    OIDC_AUDIENCE: AUDIENCE,
    OIDC_JWKS_URL: jwksUrl,
    ...env,
  });
  const settings = oidcSettings(vars);
  if (!settings) throw new Error('OIDC is not configured');
  const store = new AccountStore(openDatabase(':memory:'));
  const auth = new Authenticator(
    store,
    [],
    { roleOf: () => null },
    () => NOW,
    new OidcVerifier(settings),
  );
  const resolve = async (token: string) => {
    const r = await auth.resolve(`Bearer ${token}`);
    return r instanceof ApiError ? `${r.code}: ${r.message}` : r;
  };
  return { store, auth, resolve, verifier: new OidcVerifier(settings) };
}

describe('OIDC bearer tokens', () => {
  it('resolve to their user, provisioned with no roles on first sign-in', async () => {
    const { store, resolve } = setup();
    expect(store.user('alice')).toBeUndefined();
    const alice = {
      kind: 'user',
      username: 'alice',
      admin: false,
      operator: false,
      project: null,
      role: null,
    };
    expect(await resolve(await sign({}))).toEqual(alice);
    expect(store.user('alice')).toMatchObject({ admin: false, operator: false, disabled: false });
    expect(await resolve(await sign({}))).toEqual(alice);
    expect(store.users()).toHaveLength(1);
  });

  it('keep the roles of an existing user, and refuse a disabled one', async () => {
    const { store, resolve } = setup();
    store.insertUser({ username: 'alice', admin: true, operator: false, createdAt: NOW });
    expect(await resolve(await sign({}))).toMatchObject({ username: 'alice', admin: true });
    store.setDisabled('alice', true);
    expect(await resolve(await sign({}))).toBe('FORBIDDEN: The user alice is disabled');
  });

  it('find the keys through the issuer’s discovery document when no JWKS URL is set', async () => {
    const { resolve } = setup({ OIDC_ISSUER: issuerUrl, OIDC_JWKS_URL: '' });
    const token = await sign({ iss: issuerUrl, preferred_username: undefined, sub: 'bob' });
    expect(await resolve(token)).toMatchObject({ username: 'bob' });
  });

  it('are refused in words: expired, wrong audience or issuer, unknown key, bad signature', async () => {
    const { resolve } = setup();
    const expired = await sign({ exp: NOW / 1000 - 3600 });
    expect(await resolve(expired)).toBe(
      "UNAUTHORIZED: The identity provider's token expired at 2029-12-31T23:00:00.000Z",
    );
    expect(await resolve(await sign({ aud: 'another-site' }))).toBe(
      "UNAUTHORIZED: The identity provider's token is not meant for this site (audience ucloud)",
    );
    expect(await resolve(await sign({ iss: 'https://evil.example.org' }))).toBe(
      `UNAUTHORIZED: The identity provider's token was not issued by ${ISSUER}`,
    );
    expect(await resolve(await sign({}, stranger, 'k2'))).toBe(
      "UNAUTHORIZED: The identity provider's token is signed with a key the provider does not publish",
    );
    expect(await resolve(await sign({}, stranger))).toBe(
      "UNAUTHORIZED: The identity provider's token has a signature its keys do not verify",
    );
  });

  it('refuse an unsigned token (alg: none) and an algorithm not allowed', async () => {
    const { resolve } = setup({ OIDC_ALGORITHMS: 'ES256' });
    const payload = { iss: ISSUER, aud: AUDIENCE, exp: NOW / 1000 + 60, preferred_username: 'eve' };
    expect(await resolve(`${b64({ alg: 'none' })}.${b64(payload)}.`)).toBe(
      "UNAUTHORIZED: The identity provider's token is unsigned (alg: none)",
    );
    expect(await resolve(await sign({}))).toBe(
      "UNAUTHORIZED: The identity provider's token is signed with RS256, which is not allowed (ES256)",
    );
  });

  it('refuse a token without the claim that names the user', async () => {
    const { resolve } = setup({ OIDC_USERNAME_CLAIM: 'email' });
    expect(await resolve(await sign({}))).toBe(
      "UNAUTHORIZED: The identity provider's token has no email claim to name its user",
    );
    const byDefault = setup();
    expect(await byDefault.resolve(await sign({ preferred_username: undefined }))).toBe(
      "UNAUTHORIZED: The identity provider's token has no preferred_username or sub claim to name its user",
    );
  });

  it('leave API tokens to the token table', async () => {
    const { auth } = setup();
    expect(auth.resolve('Bearer ucloud_abc')).toMatchObject({ code: 'UNAUTHORIZED' });
  });
});

describe('the web interface’s sign-in with the identity provider', () => {
  it('is offered only with OIDC_CLIENT_ID, with the endpoints from discovery', async () => {
    expect(await setup().verifier.webSignIn()).toBeNull();
    const { verifier } = setup({
      OIDC_ISSUER: issuerUrl,
      OIDC_CLIENT_ID: 'ucloud-web',
    });
    expect(await verifier.webSignIn()).toEqual({
      issuer: issuerUrl,
      clientId: 'ucloud-web',
      scopes: 'openid profile',
      authorizationEndpoint: `${issuerUrl}/auth`,
      tokenEndpoint: `${issuerUrl}/token`,
    });
  });

  it('accepts the ID tokens of that client (audience = client id) besides OIDC_AUDIENCE', async () => {
    const { resolve } = setup({ OIDC_CLIENT_ID: 'ucloud-web' });
    expect(await resolve(await sign({ aud: 'ucloud-web' }))).toMatchObject({ username: 'alice' });
    expect(await resolve(await sign({ aud: AUDIENCE }))).toMatchObject({ username: 'alice' });
    expect(await resolve(await sign({ aud: 'another-client' }))).toMatch(
      /^UNAUTHORIZED: .*audience/,
    );
  });
});
