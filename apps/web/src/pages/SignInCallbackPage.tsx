import { useEffect, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { describeSignInError, finishSignIn } from '../oidc';
import { useSession } from '../session';

/** Where the identity provider sends the user back: completes the sign-in, then goes on. */
export function SignInCallbackPage() {
  const { signIn } = useSession();
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  // The code may be exchanged once: React's development double effect must not send it twice.
  const started = useRef(false);

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    finishSignIn(new URL(location.href)).then(
      ({ token, next }) => {
        signIn(token);
        void navigate(next, { replace: true });
      },
      (e: unknown) => setError(describeSignInError(e)),
    );
  }, [signIn, navigate]);

  return (
    <main id="main" className="sign-in">
      <h1>Sign in to UCloud Jobs</h1>
      {error ? (
        <>
          <p className="error" role="alert">
            {error}
          </p>
          <p>
            <Link to="/sign-in">Back to sign in</Link>
          </p>
        </>
      ) : (
        <p role="status">Signing in…</p>
      )}
    </main>
  );
}
