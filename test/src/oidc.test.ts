import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startTestStack, useStack, type TestStack } from './harness.js';

const AUDIENCE = 'ucloud-test';

/** An identity provider of the test's own: its discovery document and JWKS, and a signer. */
async function startIdentityProvider() {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'test', alg: 'ES256' }] };
  const server: Server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/openid-configuration')
      res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
    else if (req.url === '/jwks') res.end(JSON.stringify(jwks));
    else res.writeHead(404).end('{}');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sign = (claims: JWTPayload, key: CryptoKey = privateKey) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: issuer, aud: AUDIENCE, iat: now, exp: now + 600, ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: 'test' })
      .sign(key);
  };
  const close = () => new Promise<void>((done) => server.close(() => done()));
  return { issuer, sign, close };
}

type OidcStack = TestStack & { idp: Awaited<ReturnType<typeof startIdentityProvider>> };

/** The keys are found through the issuer's discovery document: no OIDC_JWKS_URL. */
const stack = useStack<OidcStack>(async () => {
  const idp = await startIdentityProvider();
  const started = await startTestStack({
    env: { orchestrator: { OIDC_ISSUER: idp.issuer, OIDC_AUDIENCE: AUDIENCE } },
  });
  const dispose = async () => {
    await started.dispose();
    await idp.close();
  };
  return { ...started, idp, dispose, [Symbol.asyncDispose]: dispose };
});

describe('OIDC bearer tokens', () => {
  it('sign a new user in: provisioned on first use, they list their jobs over REST', async () => {
    const token = await stack.idp.sign({ preferred_username: 'oidc-dana', sub: 'f00' });
    const jobs = await stack.rest('GET', '/api/jobs/browse', undefined, { token });
    expect(jobs.status, jobs.text).toBe(200);
    expect(jobs.body).toMatchObject({ items: [] });
    const users = await stack.admin().users.browse.query();
    expect(users.items).toContainEqual(
      expect.objectContaining({ username: 'oidc-dana', roles: [], disabled: false }),
    );
    await stack.admin().users.disable.mutate({ items: [{ username: 'oidc-dana' }] });
    const refused = await stack.rest('GET', '/api/jobs/browse', undefined, { token });
    expect(refused).toMatchObject({ status: 403, body: { why: 'The user oidc-dana is disabled' } });
  });

  it('refuse an expired token, and an unsigned one, in words', async () => {
    const expired = await stack.idp.sign({ preferred_username: 'oidc-dana', exp: 1_000_000_000 });
    const answer = await stack.rest('GET', '/api/jobs/browse', undefined, { token: expired });
    expect(answer).toMatchObject({
      status: 401,
      body: { why: "The identity provider's token expired at 2001-09-09T01:46:40.000Z" },
    });
    // The same claims under the header {"alg":"none"} and without a signature.
    const none = expired
      .replace(/^[^.]+/, Buffer.from('{"alg":"none"}').toString('base64url'))
      .replace(/[^.]+$/, '');
    const unsigned = await stack.rest('GET', '/api/jobs/browse', undefined, { token: none });
    expect(unsigned).toMatchObject({
      status: 401,
      body: { why: "The identity provider's token is unsigned (alg: none)" },
    });
  });

  it('leave the stack’s API tokens working', async () => {
    expect((await stack.rest('GET', '/api/jobs/browse')).status).toBe(200);
  });
});
