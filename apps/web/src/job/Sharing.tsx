import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type SubmitEvent } from 'react';
import type { Job } from '../api';
import { ErrorMessage } from '../components';
import { useTRPC } from '../trpc';

type Entry = NonNullable<NonNullable<Job['permissions']>['others']>[number];

const entityName = ({ entity }: Entry) =>
  entity.type === 'user' ? entity.username : `group ${entity.group} of ${entity.projectId}`;

/** Who else may see (READ) or also control (EDIT) the job; the owner changes it with updateAcl. */
export function Sharing({ job }: { job: Job }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const update = useMutation(
    trpc.jobs.updateAcl.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.jobs.retrieve.queryKey() }),
    }),
  );
  const [username, setUsername] = useState('');
  const [permission, setPermission] = useState<'READ' | 'EDIT'>('READ');
  const others = job.permissions?.others ?? [];

  function share(e: SubmitEvent) {
    e.preventDefault();
    const permissions: ('READ' | 'EDIT')[] = permission === 'EDIT' ? ['READ', 'EDIT'] : ['READ'];
    update.mutate(
      {
        items: [
          {
            id: job.id,
            added: [{ entity: { type: 'user', username: username.trim() }, permissions }],
          },
        ],
      },
      { onSuccess: () => setUsername('') },
    );
  }

  return (
    <section aria-labelledby="sharing-title">
      <h2 id="sharing-title">Sharing</h2>
      {others.length === 0 ? (
        <p className="muted">Only you have access.</p>
      ) : (
        <ul>
          {others.map((entry) => (
            <li key={entityName(entry)}>
              {entityName(entry)}: {entry.permissions.join(', ')}{' '}
              <button
                type="button"
                onClick={() => update.mutate({ items: [{ id: job.id, deleted: [entry.entity] }] })}
              >
                Remove {entityName(entry)}
              </button>
            </li>
          ))}
        </ul>
      )}
      {job.owner.project === null && (
        <form onSubmit={share} className="share">
          <label>
            User <input value={username} onChange={(e) => setUsername(e.target.value)} required />
          </label>{' '}
          <label>
            may{' '}
            <select
              value={permission}
              onChange={(e) => setPermission(e.target.value === 'EDIT' ? 'EDIT' : 'READ')}
            >
              <option value="READ">see it</option>
              <option value="EDIT">see and control it</option>
            </select>
          </label>{' '}
          <button type="submit" disabled={username.trim() === '' || update.isPending}>
            Share
          </button>
        </form>
      )}
      {update.isError && <ErrorMessage error={update.error} doing="change the sharing" />}
    </section>
  );
}
