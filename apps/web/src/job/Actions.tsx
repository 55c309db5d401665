import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type SubmitEvent } from 'react';
import type { Job } from '../api';
import { ErrorMessage } from '../components';
import { Time } from '../time';
import { useTRPC } from '../trpc';
import type { Capabilities } from './capabilities';

/** Terminate, extend, suspend and unsuspend: each only where the product and permissions allow. */
export function Actions({ job, can }: { job: Job; can: Capabilities }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.jobs.retrieve.queryKey() });
  const options = { onSuccess: refresh };
  const terminate = useMutation(trpc.jobs.terminate.mutationOptions(options));
  const suspend = useMutation(trpc.jobs.suspend.mutationOptions(options));
  const unsuspend = useMutation(trpc.jobs.unsuspend.mutationOptions(options));
  const extend = useMutation(trpc.jobs.extend.mutationOptions(options));
  const [hours, setHours] = useState('1');
  const items = { items: [{ id: job.id }] };
  const failed = [terminate, suspend, unsuspend, extend].find((m) => m.isError);

  function submitExtension(e: SubmitEvent) {
    e.preventDefault();
    extend.mutate({
      items: [{ jobId: job.id, requestedTime: { hours: Number(hours), minutes: 0, seconds: 0 } }],
    });
  }

  return (
    <section aria-labelledby="actions-title">
      <h2 id="actions-title">Time and control</h2>
      <p>
        Deadline:{' '}
        <span data-testid="deadline">
          {job.status.expiresAt !== null ? (
            <Time at={job.status.expiresAt} />
          ) : (
            `none${job.status.state === 'IN_QUEUE' ? ' yet: it is set when the job starts running' : ''}`
          )}
        </span>
      </p>
      <div className="actions">
        {can.terminate && (
          <button
            type="button"
            className="danger"
            disabled={terminate.isPending}
            onClick={() => terminate.mutate(items)}
          >
            {terminate.isPending ? 'Terminating…' : 'Terminate'}
          </button>
        )}
        {can.suspend && (
          <button type="button" onClick={() => suspend.mutate(items)}>
            Suspend
          </button>
        )}
        {can.unsuspend && (
          <button type="button" onClick={() => unsuspend.mutate(items)}>
            Unsuspend
          </button>
        )}
      </div>
      {can.extend && (
        <form className="extend" onSubmit={submitExtension}>
          <label>
            Extend by{' '}
            <input
              type="number"
              min={1}
              value={hours}
              onChange={(e) => setHours(e.target.value)}
              aria-label="Hours to extend by"
            />{' '}
            hours
          </label>{' '}
          <button type="submit" disabled={extend.isPending}>
            Extend
          </button>
        </form>
      )}
      {!can.canEdit && <p className="muted">You can see this job but not change it.</p>}
      {failed && <ErrorMessage error={failed.error} doing="do that" />}
    </section>
  );
}
