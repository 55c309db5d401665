import type { ReactNode } from 'react';
import type { JobState } from './api';
import { describeError } from './errors';

/** Loading, error and empty states, said in words and announced to screen readers. */
export function Loading({ what }: { what: string }) {
  return (
    <p className="status" role="status">
      Loading {what}…
    </p>
  );
}

export function ErrorMessage({ error, doing }: { error: unknown; doing?: string }) {
  return (
    <p className="error" role="alert">
      {doing ? `Could not ${doing}: ` : ''}
      {describeError(error)}
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="status">{children}</p>;
}

const STATE_WORDS: Record<JobState, string> = {
  IN_QUEUE: 'In queue',
  RUNNING: 'Running',
  CANCELING: 'Cancelling',
  SUSPENDED: 'Suspended',
  SUCCESS: 'Success',
  FAILURE: 'Failure',
  EXPIRED: 'Expired',
};

export function StateBadge({ state }: { state: JobState }) {
  return (
    <span className={`state state-${state.toLowerCase()}`} data-state={state}>
      {STATE_WORDS[state]}
    </span>
  );
}
