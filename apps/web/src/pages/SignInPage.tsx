import { useEffect, useState, type SubmitEvent } from 'react';
import type { OidcWebSignIn } from '@ucloud/contracts';
import { useNavigate, useSearchParams } from 'react-router';
import { describeError, statusOf } from '../errors';
import { describeSignInError, fetchSignInOptions, startSignIn } from '../oidc';
import { useSession } from '../session';
import { useTRPCClient } from '../trpc';

export function SignInPage() {
  const client = useTRPCClient();
  const { signIn, signOut } = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [checking, setChecking] = useState(false);
  const [provider, setProvider] = useState<OidcWebSignIn | null>(null);
  const next = params.get('next') ?? '/jobs';

  useEffect(() => {
    // Without the options (an old orchestrator, the provider down) the token form still works.
    fetchSignInOptions().then(
      (options) => setProvider(options.oidc),
      () => setProvider(null),
    );
  }, []);

  function signInWithProvider(p: OidcWebSignIn) {
    setError(null);
    startSignIn(p, next).catch((e: unknown) => setError(describeSignInError(e)));
  }

  async function submit(e: SubmitEvent) {
    e.preventDefault();
    setChecking(true);
    setError(null);
    signIn(token.trim());
    try {
      // Any call checks the token; this one is cheap and every user may make it.
      await client.projects.browse.query({ itemsPerPage: 1 });
      void navigate(next, { replace: true });
    } catch (err) {
      signOut();
      setError(statusOf(err) === 401 ? 'This token was not accepted.' : describeError(err));
    } finally {
      setChecking(false);
    }
  }

  return (
    <main id="main" className="sign-in">
      <h1>Sign in to UCloud Jobs</h1>
      {provider && (
        <section className="identity-provider">
          <button type="button" onClick={() => signInWithProvider(provider)}>
            Sign in with {new URL(provider.issuer).host}
          </button>
          <p className="hint">or with an API token:</p>
        </section>
      )}
      <form onSubmit={(e) => void submit(e)}>
        <label htmlFor="token">Bearer token</label>
        <input
          id="token"
          type="password"
          autoComplete="off"
          required
          value={token}
          onChange={(e) => setToken(e.target.value)}
          aria-describedby="token-help token-error"
          aria-invalid={error !== null}
        />
        <p id="token-help" className="hint">
          <code>npm start</code> prints the demo user&apos;s token. It is kept until this tab
          closes.
        </p>
        {error && (
          <p id="token-error" className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={checking || token.trim() === ''}>
          {checking ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
