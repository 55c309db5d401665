import { freePort } from '@ucloud/launcher';
import Provider from 'oidc-provider';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserMissing, expectCleanPage, useBrowser } from './browser-harness.js';
import { startTestStack, useStack } from './harness.js';

// The web interface's sign-in with an identity provider: a real OpenID provider (oidc-provider,
// with its development login and consent pages), the authorization code flow with PKCE in
// Chromium, and the orchestrator verifying the ID token it is then sent.
describe.skipIf(browserMissing)('signing in to the web interface with an identity provider', () => {
  let idp: Server;
  let issuer: string;
  let stackPort: number;
  beforeAll(async () => {
    const idpPort = await freePort();
    stackPort = await freePort();
    issuer = `http://127.0.0.1:${idpPort}`;
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: 'ucloud-web',
          token_endpoint_auth_method: 'none',
          redirect_uris: [`http://127.0.0.1:${stackPort}/auth/callback`],
          response_types: ['code'],
          grant_types: ['authorization_code'],
        },
      ],
      // Whatever login the development form is given is the account's subject.
      findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    });
    idp = provider.listen(idpPort);
  });
  afterAll(() => new Promise<void>((done) => idp.close(() => done())));

  const stack = useStack(() =>
    startTestStack({
      port: stackPort,
      env: {
        orchestrator: {
          OIDC_ISSUER: issuer,
          OIDC_AUDIENCE: 'ucloud-api',
          OIDC_CLIENT_ID: 'ucloud-web',
        },
      },
    }),
  );
  const browser = useBrowser();

  it('sends the user to the provider and back, signed in as the provider’s user', async () => {
    const page = await browser.page();
    await page.goto(`${stack.url}/wallets`);
    await page.getByRole('button', { name: 'Sign in with 127.0.0.1' }).click();

    // The provider's own pages: a login form, then consent for the web interface.
    await page.waitForURL((u) => u.origin === issuer);
    await page.locator('input[name=login]').fill('alice');
    await page.locator('input[name=password]').fill('any password');
    await page.locator('button[type=submit]').click();
    await page.locator('button[type=submit]').click();

    // Back on the site: what the provider's development pages logged (their fonts, their
    // favicon) is not the web interface's to answer for.
    await page.waitForURL((u) => u.origin === stack.url, { waitUntil: 'commit' });
    page.consoleErrors.length = 0;
    page.requested.length = 0;
    // On the page the user asked for, with the orchestrator accepting the ID token.
    await page.waitForURL((u) => u.origin === stack.url && u.pathname === '/wallets');
    await page.getByText('This workspace has no allocations.').waitFor();
    const { items } = await stack.admin().users.browse.query();
    expect(items.map((u) => u.username)).toContain('alice');
    expectCleanPage(page, stack.url, issuer);
  });

  it('refuses a callback that no sign-in of the tab started', async () => {
    const page = await browser.page();
    await page.goto(`${stack.url}/auth/callback?code=stolen&state=guessed`);
    await expect(page.getByRole('alert').textContent()).resolves.toBe(
      'No sign-in was started in this tab: sign in again.',
    );
  });
});
