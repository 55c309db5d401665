import type { SignInOptions } from '@ucloud/contracts';
import type { FastifyInstance } from 'fastify';

export const SIGN_IN_PATH = '/api/auth/sign-in';

/**
 * `GET /api/auth/sign-in`: how to sign in besides an API token, asked before anyone is signed in
 * (the web interface's sign-in page), so it needs no token.
 */
export function registerSignInRoute(
  app: FastifyInstance,
  signInOptions: () => Promise<SignInOptions>,
): void {
  app.get(SIGN_IN_PATH, { config: { public: true } }, () => signInOptions());
}
