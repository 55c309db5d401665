import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';

describe('OIDC configuration', () => {
  it('is off without an issuer, and takes its defaults with one', () => {
    expect(loadConfig({}).oidc).toBeNull();
    expect(
      loadConfig({ OIDC_ISSUER: 'https://idp.example.org', OIDC_AUDIENCE: 'ucloud' }).oidc,
    ).toEqual({
      issuer: 'https://idp.example.org',
      audience: 'ucloud',
      jwksUrl: null,
      usernameClaims: ['preferred_username', 'sub'],
      algorithms: ['RS256', 'ES256'],
      clockToleranceS: 30,
      webClient: null,
    });
  });

  it('offers the web interface’s sign-in with a client id, which needs an issuer', () => {
    expect(
      loadConfig({
        OIDC_ISSUER: 'https://idp.example.org',
        OIDC_AUDIENCE: 'ucloud',
        OIDC_CLIENT_ID: 'ucloud-web',
      }).oidc?.webClient,
    ).toEqual({ clientId: 'ucloud-web', scopes: 'openid profile' });
    expect(() => loadConfig({ OIDC_CLIENT_ID: 'ucloud-web' })).toThrow(
      'OIDC_CLIENT_ID: needs OIDC_ISSUER',
    );
  });

  it('needs an audience with an issuer, and never allows alg none or a shared-secret algorithm', () => {
    expect(() => loadConfig({ OIDC_ISSUER: 'https://idp.example.org' })).toThrow(
      'OIDC_AUDIENCE: required with OIDC_ISSUER',
    );
    for (const alg of ['none', 'HS256'])
      expect(() => loadConfig({ OIDC_ALGORITHMS: `RS256,${alg}` })).toThrow(/OIDC_ALGORITHMS/);
  });
});
