import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';

/** Who is signed in, and in which workspace: kept for the browser tab's session. */
export interface Session {
  token: string | null;
  /** The project sent as the `Project` header; null for the personal workspace. */
  project: string | null;
}

interface SessionControls extends Session {
  signIn: (token: string) => void;
  signOut: () => void;
  switchProject: (project: string | null) => void;
}

const TOKEN_KEY = 'ucloud.token';
const PROJECT_KEY = 'ucloud.project';

/** Read by the tRPC links on every request, so that a switch applies at once. */
export function currentSession(): Session {
  return {
    token: sessionStorage.getItem(TOKEN_KEY),
    project: sessionStorage.getItem(PROJECT_KEY),
  };
}

function store(key: string, value: string | null) {
  if (value === null) sessionStorage.removeItem(key);
  else sessionStorage.setItem(key, value);
}

const SessionContext = createContext<SessionControls | null>(null);

export function SessionProvider({
  children,
  onChange,
}: {
  children: ReactNode;
  /** Called after the token or the workspace changed: answers cached for the old one go. */
  onChange: () => void;
}) {
  const [session, setSession] = useState(currentSession);
  const update = useCallback(
    (next: Session) => {
      store(TOKEN_KEY, next.token);
      store(PROJECT_KEY, next.project);
      setSession(next);
      onChange();
    },
    [onChange],
  );
  const controls = useMemo<SessionControls>(
    () => ({
      ...session,
      signIn: (token) => update({ token, project: null }),
      signOut: () => update({ token: null, project: null }),
      switchProject: (project) => update({ ...session, project }),
    }),
    [session, update],
  );
  return <SessionContext.Provider value={controls}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionControls {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
