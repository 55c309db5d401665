import { useMutation } from '@tanstack/react-query';
import { lazy, Suspense, useState } from 'react';
import type { Job } from '../api';
import { ErrorMessage, Loading } from '../components';
import { useTRPC } from '../trpc';
import type { Capabilities } from './capabilities';

// Loaded when opened: the sign-in and job pages do not wait for xterm.js or noVNC.
const Terminal = lazy(() => import('./Terminal'));
const Desktop = lazy(() => import('./Desktop'));

/** The web interface, terminal and remote desktop of a running job, where its backend offers them. */
export function Interactive({ job, can }: { job: Job; can: Capabilities }) {
  const trpc = useTRPC();
  const [rank, setRank] = useState(0);
  const open = useMutation(trpc.jobs.openInteractiveSession.mutationOptions());
  if (!can.web && !can.terminal && !can.desktop) return null;
  const opened = open.data?.responses[0];
  const session = opened?.session;
  const replicas = job.specification.replicas;
  const start = (sessionType: 'WEB' | 'SHELL' | 'VNC') =>
    open.mutate({ items: [{ id: job.id, rank, sessionType }] });

  return (
    <section aria-labelledby="interactive-title">
      <h2 id="interactive-title">Interactive</h2>
      {replicas > 1 && (
        <label>
          Rank{' '}
          <select value={rank} onChange={(e) => setRank(Number(e.target.value))}>
            {Array.from({ length: replicas }, (_, r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
      )}
      <div className="actions">
        {can.web && (
          <button type="button" onClick={() => start('WEB')}>
            Open the web interface
          </button>
        )}
        {can.terminal && (
          <button type="button" onClick={() => start('SHELL')}>
            Open a terminal
          </button>
        )}
        {can.desktop && (
          <button type="button" onClick={() => start('VNC')}>
            Open the remote desktop
          </button>
        )}
      </div>
      {open.isPending && <Loading what="the session" />}
      {open.isError && <ErrorMessage error={open.error} doing="open the session" />}
      {opened && session?.type === 'web' && (
        <p>
          <a href={session.redirectClientTo} target="_blank" rel="noreferrer">
            Web interface of rank {session.rank} (opens in a new tab)
          </a>
        </p>
      )}
      <Suspense fallback={<Loading what="the session's viewer" />}>
        {opened && session?.type === 'shell' && (
          <Terminal
            key={session.sessionIdentifier}
            providerDomain={opened.providerDomain}
            providerId={opened.providerId}
            sessionIdentifier={session.sessionIdentifier}
          />
        )}
        {session?.type === 'vnc' && (
          <Desktop key={session.url} url={session.url} password={session.password} />
        )}
      </Suspense>
    </section>
  );
}
